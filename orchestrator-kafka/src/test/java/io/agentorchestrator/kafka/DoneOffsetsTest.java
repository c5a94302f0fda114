package io.agentorchestrator.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DoneOffsetsTest {

    @Test
    void roundTripsOffsetsAboveThePosition() {
        String note = DoneOffsets.encode(1_000_000L, List.of(999_999L, 1_000_000L, 1_000_001L, 1_000_040L));
        assertThat(note).isEqualTo("ao-done:1:1,14");
        assertThat(DoneOffsets.decode(1_000_000L, note)).containsExactly(1_000_001L, 1_000_040L);
    }

    @Test
    void nothingAnsweredAheadIsAnEmptyNote() {
        assertThat(DoneOffsets.encode(5, List.of())).isEmpty();
        assertThat(DoneOffsets.decode(5, "")).isEmpty();
    }

    @Test
    void metadataWrittenByOtherClientsOrDamagedMeansNothingIsSkipped() {
        assertThat(DoneOffsets.decode(5, null)).isEmpty();
        assertThat(DoneOffsets.decode(5, "committed by kafkajs")).isEmpty();
        assertThat(DoneOffsets.decode(5, "ao-done:1:1,zz!,3")).isEmpty();
    }

    @Test
    void staysWithinTheBrokersMetadataLimitKeepingTheLowestOffsets() {
        List<Long> done = new ArrayList<>();
        for (long o = 1; o <= 5_000; o++) {
            done.add(o * 1_000);
        }
        String note = DoneOffsets.encode(0, done);
        assertThat(note.length()).isLessThanOrEqualTo(DoneOffsets.MAX_CHARS);
        List<Long> back = DoneOffsets.decode(0, note);
        assertThat(back).isNotEmpty().hasSizeLessThan(done.size());
        assertThat(back).isEqualTo(done.subList(0, back.size()));
    }
}
