package io.agentorchestrator.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class TaskConsumerTest {

    @Test
    void commitPositionAdvancesOnlyOverContiguousDoneOffsets() {
        TaskConsumer.PartitionState ps = new TaskConsumer.PartitionState(new TopicPartition("t", 0));
        for (long o = 10; o <= 13; o++) {
            ps.offsets.put(o, Boolean.FALSE);
        }
        ps.markDone(11);
        assertThat(ps.commitPosition).isEqualTo(-1);
        ps.markDone(10);
        assertThat(ps.commitPosition).isEqualTo(12);
        ps.markDone(13);
        assertThat(ps.commitPosition).isEqualTo(12);
        ps.markDone(12);
        assertThat(ps.commitPosition).isEqualTo(14);
        assertThat(ps.offsets).isEmpty();
    }
}
