package io.tickfan.server.session;

/** What the admin endpoints can make the server do. */
public interface AdminActions {
    /**
     * Stops taking clients (readiness false, new connections 503) and sends every session away with
     * a jittered reconnect delay; the process may exit once they are gone.
     *
     * @return sessions told to go
     */
    int drain();

    /**
     * Sends every session away with a jittered reconnect delay but keeps accepting: a reconnect
     * drill without a restart.
     *
     * @return sessions told to go
     */
    int disconnectAll();
}
