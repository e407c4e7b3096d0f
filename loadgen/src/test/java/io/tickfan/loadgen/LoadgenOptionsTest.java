package io.tickfan.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad options end in a clear message and exit code 2, before any connection is made. */
class LoadgenOptionsTest {
    private String err;
    private String out;

    private int run(String... args) {
        final CommandLine cl = Loadgen.commandLine();
        final StringWriter o = new StringWriter();
        final StringWriter e = new StringWriter();
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        final int code = cl.execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    @Test
    void shouldExplainEveryCommandInHelp() {
        assertEquals(0, run("--help"));
        for (String command : new String[] {"subscribe", "publish", "run", "storm"}) {
            assertTrue(out.contains(command), out);
        }
        assertEquals(0, run("storm", "--help"));
        assertTrue(out.contains("--backoff") && out.contains("--drop-command"), out);
    }

    @Test
    void shouldRejectUnknownOption() {
        assertEquals(2, run("run", "--secret", "s", "--bogus"));
        assertTrue(err.contains("Unknown option: '--bogus'"), err);
    }

    @Test
    void shouldRejectMissingCommand() {
        assertEquals(2, run());
        assertTrue(err.contains("missing command"), err);
    }

    @Test
    void shouldRejectMissingCredentials() {
        assertEquals(2, run("run", "--token", "", "--secret", ""));
        assertTrue(err.contains("no credentials"), err);
    }

    @Test
    void shouldRejectMoreSymbolsPerClientThanSymbols() {
        assertEquals(2, run("run", "--secret", "s", "--symbols", "5", "--per-client", "6"));
        assertTrue(err.contains("--per-client (6) cannot exceed --symbols (5)"), err);
    }

    @Test
    void shouldRejectNonPositiveRateAndBadDuration() {
        assertEquals(2, run("run", "--secret", "s", "--rate", "0"));
        assertTrue(err.contains("--rate must be greater than 0"), err);
        assertEquals(2, run("run", "--secret", "s", "--duration", "soon"));
        assertTrue(err.contains("'soon' is not a duration"), err);
    }

    @Test
    void shouldRejectBadUrlPresetAndPolicy() {
        assertEquals(2, run("run", "--secret", "s", "--url", "http://localhost:8080/ws"));
        assertTrue(err.contains("--url must look like ws://host:port/ws"), err);
        assertEquals(2, run("run", "--secret", "s", "--preset", "huge"));
        assertTrue(err.contains("--preset"), err);
        assertEquals(2, run("storm", "--secret", "s", "--backoff", "sometimes"));
        assertTrue(err.contains("--backoff"), err);
        assertEquals(2, run("storm", "--secret", "s", "--backoff-jitter", "2"));
        assertTrue(err.contains("jitter must be within [0, 1]"), err);
        assertEquals(2, run("storm", "--secret", "s", "--drop", "command"));
        assertTrue(err.contains("--drop command needs --drop-command"), err);
    }

    @Test
    void shouldRejectHoleWithoutOwnSeq() {
        assertEquals(2, run("run", "--secret", "s", "--seq-hole-every", "10"));
        assertTrue(err.contains("--seq-hole-every needs --own-seq"), err);
    }
}
