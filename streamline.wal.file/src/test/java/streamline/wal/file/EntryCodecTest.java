package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static streamline.testkit.WriteAheadLogContract.started;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import streamline.api.wal.LogEntry;

/** The codec of log entries: every field round-trips, and text UTF-8 cannot carry is refused. */
class EntryCodecTest extends LogTestSupport {

    @Test
    void codecRoundTripsEveryField() {
        LogEntry entry = started(UUID.randomUUID(), flow, UUID.randomUUID(), 3, List.of(UUID.randomUUID()));
        assertEquals(entry.withSequence(9), EntryCodec.decode(9, ByteBuffer.wrap(EntryCodec.encode(entry))));
        LogEntry finish = LogEntry.sessionFinished(UUID.randomUUID(), flow, "m", "boom");
        ByteBuffer encoded = ByteBuffer.wrap(EntryCodec.encode(finish));
        assertEquals(LogEntry.Kind.SESSION_FINISHED, EntryCodec.kind(encoded));
        assertEquals(finish.sessionId(), EntryCodec.sessionId(encoded));
        assertEquals(finish.withSequence(1), EntryCodec.decode(1, encoded));
        byte[] cut = Arrays.copyOf(EntryCodec.encode(entry), 40);
        assertThrows(IllegalArgumentException.class, () -> EntryCodec.decode(1, ByteBuffer.wrap(cut)));
        // a question mark and a whole emoji are text like any other; half an emoji cannot be written as UTF-8
        LogEntry asked = LogEntry.sessionFinished(UUID.randomUUID(), flow, "why? \uD83D\uDE00", "");
        assertEquals(asked.withSequence(2), EntryCodec.decode(2, ByteBuffer.wrap(EntryCodec.encode(asked))));
        LogEntry half = LogEntry.sessionFinished(UUID.randomUUID(), flow, "why? \uD83D", "");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> EntryCodec.encode(half));
        assertTrue(refused.getMessage().contains("unpaired surrogate (U+D83D at index 5)"), refused.getMessage());
    }
}
