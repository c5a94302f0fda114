package io.agentorchestrator.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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

    @Test
    void answeredOffsetsBeyondAGapTravelInTheCommitMetadata() {
        TaskConsumer.PartitionState ps = new TaskConsumer.PartitionState(new TopicPartition("t", 0));
        for (long o = 10; o <= 14; o++) {
            ps.offsets.put(o, Boolean.FALSE);
        }
        // 10 is answered, 11 waits for its key (then is dropped on revocation), 12 and 14 are answered.
        ps.markDone(10);
        ps.markDone(12);
        ps.markDone(14);
        OffsetAndMetadata c = ps.toCommit();
        assertThat(c.offset()).isEqualTo(11);
        assertThat(DoneOffsets.decode(c.offset(), c.metadata())).containsExactly(12L, 14L);
        ps.committed(c);
        assertThat(ps.toCommit()).as("nothing new to commit").isNull();
    }

    @Test
    void theNextOwnerSkipsWhatThePreviousOwnerAnsweredAndCarriesItOn() {
        TaskConsumer.PartitionState next = new TaskConsumer.PartitionState(new TopicPartition("t", 0));
        OffsetAndMetadata inherited = new OffsetAndMetadata(11, DoneOffsets.encode(11, java.util.List.of(12L, 14L)));
        next.committed(inherited);
        next.doneAhead.addAll(DoneOffsets.decode(inherited.offset(), inherited.metadata()));

        assertThat(next.answeredBefore(11)).isFalse();
        next.offsets.put(11L, Boolean.FALSE);
        assertThat(next.answeredBefore(12)).isTrue();
        assertThat(next.toCommit()).as("same as what the previous owner committed").isNull();

        next.markDone(11);
        assertThat(next.commitPosition).isEqualTo(13);
        // Revoked now: 14, not polled yet, is still passed on to the owner after this one.
        OffsetAndMetadata again = next.toCommit();
        assertThat(again.offset()).isEqualTo(13);
        assertThat(DoneOffsets.decode(again.offset(), again.metadata())).containsExactly(14L);
        next.committed(again);
        assertThat(next.toCommit()).isNull();

        next.offsets.put(13L, Boolean.FALSE);
        assertThat(next.answeredBefore(14)).isTrue();
        next.markDone(13);
        assertThat(next.commitPosition).isEqualTo(15);
        assertThat(next.doneAhead).isEmpty();
        assertThat(next.toCommit()).isEqualTo(new OffsetAndMetadata(15, ""));
    }
}
