package io.agentorchestrator.examples.plugin;

import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.BalancerProvider;

/**
 * Makes {@link CostAwareBalancer} selectable as {@code .balancer("cost-aware")}, through
 * {@code META-INF/services/io.agentorchestrator.api.BalancerProvider} in this jar.
 */
public final class CostAwareBalancerProvider implements BalancerProvider {

    /** Passed-over threshold: agents at 80 % of their max concurrency or more are skipped if possible. */
    public static final double DEFAULT_HEADROOM = 0.8;

    /** Used by {@link java.util.ServiceLoader}. */
    public CostAwareBalancerProvider() {
    }

    @Override
    public String name() {
        return "cost-aware";
    }

    @Override
    public Balancer create() {
        return new CostAwareBalancer(DEFAULT_HEADROOM);
    }
}
