package io.agentorchestrator.core;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.internal.InProcessTransport;
import io.agentorchestrator.core.kit.SecurityCompatibilityKit;

/** The security layer over the in-process transport (whose endpoints and directory are JVM-wide). */
class InProcessSecurityTest extends SecurityCompatibilityKit {

    @Override
    protected Transport newTransport() {
        return new InProcessTransport();
    }

    @Override
    protected String endpoint(String agentId) {
        return "inproc:" + agentId;
    }
}
