package io.agentorchestrator.core;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.kit.SecurityCompatibilityKit;
import java.net.URI;

/** The security layer over the HTTP transport, agents served by the JDK's HttpServer. */
class HttpSecurityTest extends SecurityCompatibilityKit {

    private static final int PORT = HttpTransportTest.freePort();

    @Override
    protected Transport newTransport() {
        return new io.agentorchestrator.core.internal.HttpTransport.Provider().create(URI.create("http:/"));
    }

    @Override
    protected String endpoint(String agentId) {
        return "http://127.0.0.1:" + PORT + "/agents/" + agentId;
    }

    @Override
    protected boolean sharesAgentDirectory() {
        return false;
    }
}
