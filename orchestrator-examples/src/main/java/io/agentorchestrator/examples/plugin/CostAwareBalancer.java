package io.agentorchestrator.examples.plugin;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.Task;
import java.util.List;

/**
 * A custom balancer for paid model endpoints: the cheapest agent by its {@code cost} metadata
 * (price per call, any unit), as long as it is less than {@code headroom} full; when every cheap
 * agent is that busy, the least loaded one. Agents without a price count as free.
 */
public final class CostAwareBalancer implements Balancer {

    private final double headroom;

    /** @param headroom share of an agent's max concurrency above which it is passed over, in (0, 1] */
    public CostAwareBalancer(double headroom) {
        this.headroom = headroom;
    }

    @Override
    public Agent pick(List<? extends Agent> candidates, Task task) {
        Agent cheapest = null;
        Agent leastLoaded = candidates.get(0);
        for (Agent a : candidates) {
            double load = (double) a.inFlight() / a.descriptor().maxConcurrency();
            if (load < headroom && (cheapest == null || cost(a) < cost(cheapest))) {
                cheapest = a;
            }
            if (load < (double) leastLoaded.inFlight() / leastLoaded.descriptor().maxConcurrency()) {
                leastLoaded = a;
            }
        }
        return cheapest != null ? cheapest : leastLoaded;
    }

    private static double cost(Agent a) {
        String price = a.descriptor().metadata().get("cost");
        try {
            return price == null ? 0 : Double.parseDouble(price);
        } catch (NumberFormatException e) {
            return Double.MAX_VALUE; // an unreadable price is treated as the most expensive
        }
    }

    @Override
    public String toString() {
        return "cost-aware";
    }
}
