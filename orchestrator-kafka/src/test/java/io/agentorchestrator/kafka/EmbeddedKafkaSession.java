package io.agentorchestrator.kafka;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Stops the module's shared {@link EmbeddedKafka} broker when the JUnit launcher session ends,
 * after the last test class of the fork and before the fork exits. Registered through
 * {@code META-INF/services}, so no test class has to remember it; Surefire and Failsafe run all
 * the classes of one fork in one session.
 */
public final class EmbeddedKafkaSession implements LauncherSessionListener {

    /** Called by the JUnit Platform through {@link java.util.ServiceLoader}. */
    public EmbeddedKafkaSession() {
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        EmbeddedKafka.closeShared();
    }
}
