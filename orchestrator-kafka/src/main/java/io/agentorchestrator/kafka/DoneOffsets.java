package io.agentorchestrator.kafka;

import java.util.ArrayList;
import java.util.List;

/**
 * The offsets above a committed position that are already answered, carried in the commit's
 * metadata so that a partition's next owner does not run them again.
 *
 * <p>Kafka commits one position per partition, but with key ordering (or tasks refused while
 * stopping) a later offset can be answered while an earlier one is not: the position cannot pass
 * the earlier one, and without this note the next owner would run the later one a second time.
 * The note is {@code ao-done:1:} followed by comma-separated base-36 distances from the committed
 * position. It is bounded by {@link #MAX_CHARS} (brokers refuse larger metadata, 4 KB by default);
 * offsets that do not fit are left out and, at worst, run again.
 */
final class DoneOffsets {

    static final String PREFIX = "ao-done:1:";
    static final int MAX_CHARS = 2048;

    private DoneOffsets() {
    }

    /** The note for {@code done} (ascending offsets, all above {@code position}); empty when there are none. */
    static String encode(long position, Iterable<Long> done) {
        StringBuilder sb = new StringBuilder();
        for (long offset : done) {
            if (offset <= position) {
                continue;
            }
            String delta = Long.toString(offset - position, 36);
            if (PREFIX.length() + sb.length() + delta.length() + 1 > MAX_CHARS) {
                break;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(delta);
        }
        return sb.length() == 0 ? "" : PREFIX + sb;
    }

    /** The answered offsets a commit at {@code position} carries; none for metadata written by anyone else. */
    static List<Long> decode(long position, String metadata) {
        List<Long> done = new ArrayList<>();
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return done;
        }
        for (String part : metadata.substring(PREFIX.length()).split(",")) {
            try {
                long delta = Long.parseLong(part.trim(), 36);
                if (delta > 0) {
                    done.add(position + delta);
                }
            } catch (NumberFormatException e) {
                // Not ours after all, or damaged: running a task again is safe, skipping one is not.
                return new ArrayList<>();
            }
        }
        return done;
    }
}
