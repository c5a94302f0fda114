/**
 * The Kafka transport: {@link io.agentorchestrator.kafka.KafkaTransportProvider} serves
 * {@code kafka://} URIs, {@link io.agentorchestrator.kafka.KafkaTransportConfig} holds the options
 * and {@link io.agentorchestrator.kafka.KafkaTransport} is the transport itself.
 */
package io.agentorchestrator.kafka;
