package io.agentorchestrator.core;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.internal.InProcessTransport;
import io.agentorchestrator.core.kit.TransportCompatibilityKit;

/** The in-process transport passes the transport compatibility kit. */
class InProcessTransportTest extends TransportCompatibilityKit {

    @Override
    protected Transport newTransport() {
        return new InProcessTransport();
    }

    @Override
    protected String endpoint(String agentId) {
        return "inproc:" + agentId;
    }
}
