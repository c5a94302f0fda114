package io.agentorchestrator.core.security.internal;

import io.agentorchestrator.api.AccessDeniedException;
import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.api.security.Principal;
import io.agentorchestrator.core.EventStream;
import io.agentorchestrator.core.Orchestrator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The orchestrator as the host application sees it when security is on: registrations and
 * dispatches pass the access policy and the limits first; hand-set statuses are audited.
 * Everything else is the engine's.
 */
final class SecuredOrchestrator implements Orchestrator {

    private final Orchestrator delegate;
    private final SecurityLayer layer;

    SecuredOrchestrator(Orchestrator delegate, SecurityLayer layer) {
        this.delegate = delegate;
        this.layer = layer;
    }

    @Override
    public Agent register(AgentDescriptor agent) {
        ValidationException.requireNonNull(agent, "agent");
        boolean fresh = layer.admitLocal(agent);
        try {
            return delegate.register(agent);
        } catch (RuntimeException e) {
            if (fresh) {
                layer.gate().forget(agent.id());
            }
            throw e;
        }
    }

    @Override
    public Agent update(AgentDescriptor agent) {
        ValidationException.requireNonNull(agent, "agent");
        layer.admitLocal(agent);
        return delegate.update(agent);
    }

    @Override
    public boolean deregister(String agentId) {
        return delegate.deregister(agentId);
    }

    @Override
    public void setStatus(String agentId, AgentStatus status, String reason) {
        delegate.setStatus(agentId, status, reason);
        layer.statusOverride(agentId, String.valueOf(status), reason);
    }

    @Override
    public Optional<Agent> agent(String agentId) {
        return delegate.agent(agentId);
    }

    @Override
    public List<Agent> agents() {
        return delegate.agents();
    }

    @Override
    public List<Agent> agents(String capability) {
        return delegate.agents(capability);
    }

    @Override
    public CompletableFuture<TaskResult> dispatch(Task task) {
        ValidationException.requireNonNull(task, "task");
        Principal caller = layer.caller(task);
        if (!layer.config().policy().mayDispatch(caller, task.capability())) {
            AccessDeniedException denied = new AccessDeniedException(caller.name(), "dispatch", task.capability());
            layer.denied("dispatch", caller.name(), null, task.capability(), denied);
            return CompletableFuture.failedFuture(denied);
        }
        return delegate.dispatch(task);
    }

    @Override
    public void addListener(OrchestratorListener listener) {
        delegate.addListener(listener);
    }

    @Override
    public boolean removeListener(OrchestratorListener listener) {
        return delegate.removeListener(listener);
    }

    @Override
    public int tasksInFlight() {
        return delegate.tasksInFlight();
    }

    @Override
    public int queuedTasks(String capability) {
        return delegate.queuedTasks(capability);
    }

    @Override
    public EventStream events() {
        return delegate.events();
    }

    @Override
    public io.agentorchestrator.core.stats.StatsSnapshot stats() {
        return delegate.stats();
    }

    @Override
    public Optional<io.agentorchestrator.core.admin.AdminServer> adminServer() {
        return delegate.adminServer();
    }

    @Override
    public io.agentorchestrator.core.ResultCacheStats resultCacheStats() {
        return delegate.resultCacheStats();
    }

    @Override
    public java.util.OptionalInt desiredAgents(String capability) {
        return delegate.desiredAgents(capability);
    }

    @Override
    public void reconfigure(io.agentorchestrator.core.config.Reconfiguration change) {
        delegate.reconfigure(change);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "Secured" + delegate;
    }
}
