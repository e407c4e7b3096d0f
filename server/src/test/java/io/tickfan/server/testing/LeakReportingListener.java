package io.tickfan.server.testing;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs the {@link LeakRecorder} when the JUnit launcher session opens, which is before any
 * test class (and so any Netty buffer class) is loaded. Registered in {@code
 * META-INF/services/org.junit.platform.launcher.LauncherSessionListener}; {@link
 * LeakCheckExtension} turns what it records into test failures.
 */
public final class LeakReportingListener implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        LeakRecorder.install();
    }
}
