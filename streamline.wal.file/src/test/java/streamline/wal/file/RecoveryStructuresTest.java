package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import streamline.api.wal.LogEntry;

/** The compact structures recovery builds: sorted sequence offsets, the decoding vocabulary, the live index. */
class RecoveryStructuresTest {

    @Test
    void sortedSequencesFindValuesInOrderOrNot() {
        SortedSequences offsets = new SortedSequences(2);
        for (long sequence = 10; sequence <= 1000; sequence += 10) {
            offsets.add(sequence, sequence * 3);
        }
        offsets.seal();
        assertEquals(100, offsets.size());
        assertEquals(30, offsets.get(10));
        assertEquals(3000, offsets.get(1000));
        assertEquals(-1, offsets.get(15));
        assertEquals(-1, offsets.get(1010));

        SortedSequences unordered = new SortedSequences(4);
        unordered.add(5, 50);
        unordered.add(2, 20);
        unordered.add(9, 90);
        unordered.seal();
        assertEquals(20, unordered.get(2));
        assertEquals(50, unordered.get(5));
        assertEquals(90, unordered.get(9));
    }

    @Test
    void aCursorAnswersAscendingAndBackwardQueries() {
        SortedSequences set = SortedSequences.set(2);
        for (long sequence : new long[] {40, 10, 30, 20}) {
            set.add(sequence, 0);
        }
        SortedSequences.Cursor cursor = set.seal().cursor();
        assertFalse(cursor.contains(5));
        assertTrue(cursor.contains(10));
        assertFalse(cursor.contains(25));
        assertTrue(cursor.contains(30));
        assertTrue(cursor.contains(20), "a sequence before the cursor is still found");
        assertTrue(cursor.contains(40));
        assertFalse(cursor.contains(50));
        assertFalse(cursor.contains(0));
        assertEquals(-1, set.get(20), "a set has no values");
    }

    @Test
    void sealingSortsManyShuffledPairsKeepingEachValueWithItsSequence() {
        java.util.Random random = new java.util.Random(42);
        List<Long> shuffled = new ArrayList<>();
        for (long i = 1; i <= 20_000; i++) {
            shuffled.add(i * 7 + random.nextInt(7));
        }
        java.util.Collections.shuffle(shuffled, random);
        SortedSequences pairs = new SortedSequences(10);
        for (long sequence : shuffled) {
            pairs.add(sequence, sequence * 2 + 1);
        }
        pairs.seal();
        for (int k = 0; k < pairs.size(); k++) {
            if (k > 0) {
                assertTrue(pairs.sequenceAt(k - 1) < pairs.sequenceAt(k), "ascending at " + k);
            }
            assertEquals(pairs.sequenceAt(k) * 2 + 1, pairs.valueAt(k));
        }
        for (long sequence : shuffled) {
            assertEquals(sequence * 2 + 1, pairs.get(sequence));
        }
    }

    @Test
    void theVocabularyKeepsOneObjectPerNameAndIdUpToItsLimit() {
        Vocabulary vocabulary = new Vocabulary();
        byte[] text = "xx-ReadDir.Path-yy".getBytes(StandardCharsets.UTF_8);
        String first = vocabulary.name(text, 3, 12);
        assertEquals("ReadDir.Path", first);
        assertSame(first, vocabulary.name("ReadDir.Path".getBytes(StandardCharsets.UTF_8), 0, 12));
        assertEquals("", vocabulary.name(text, 0, 0));
        UUID id = UUID.randomUUID();
        assertSame(vocabulary.id(id.getMostSignificantBits(), id.getLeastSignificantBits()),
                vocabulary.id(id.getMostSignificantBits(), id.getLeastSignificantBits()));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            byte[] bytes = ("key-" + i).getBytes(StandardCharsets.UTF_8);
            names.add(vocabulary.name(bytes, 0, bytes.length));
            assertEquals("key-" + i, names.get(i));
        }
        byte[] early = "key-7".getBytes(StandardCharsets.UTF_8);
        assertSame(names.get(7), vocabulary.name(early, 0, early.length), "kept across growth");
        byte[] late = "key-4999".getBytes(StandardCharsets.UTF_8);
        assertNotSame(names.get(4999), vocabulary.name(late, 0, late.length), "not kept beyond the limit");
        assertEquals("key-4999", vocabulary.name(late, 0, late.length));
    }

    @Test
    void entriesDecodedWithAVocabularyEqualThoseWithout() {
        UUID flow = UUID.randomUUID();
        UUID processor = UUID.randomUUID();
        Vocabulary vocabulary = new Vocabulary();
        for (int i = 0; i < 3; i++) {
            LogEntry entry = LogEntry.stepStarted(UUID.randomUUID(), flow, processor, "Tag", "c" + i,
                    Map.of("k", "v" + i, "n", Map.of("deep", List.of(1, 2L, "x"))), "", i, List.of(processor));
            ByteBuffer bytes = ByteBuffer.wrap(EntryCodec.encode(entry));
            LogEntry plain = EntryCodec.decode(i + 1, bytes.duplicate());
            LogEntry shared = EntryCodec.decode(i + 1, bytes.duplicate(), vocabulary);
            assertEquals(plain, shared);
            assertEquals(i + 1, shared.sequence());
            assertSame(shared.flowId(), EntryCodec.decode(9, bytes.duplicate(), vocabulary).flowId());
        }
    }

    @Test
    void theLiveIndexVisitsEveryRecordOfUnfinishedSessionsUpToASequence() {
        LiveIndex index = new LiveIndex();
        index.expect(100);
        UUID one = UUID.randomUUID();
        UUID two = UUID.randomUUID();
        for (int i = 1; i <= 7; i++) {
            index.add(one, i, 1, i * 100L);
        }
        index.add(two, 8, 0, 5);
        index.add(two, 9, 2, 6);
        List<Long> visited = new ArrayList<>();
        index.forEachRecord(8, (sequence, segment, offset) -> visited.add(sequence * 1000 + segment * 100 + offset % 100));
        visited.sort(null);
        assertEquals(List.of(1100L, 2100L, 3100L, 4100L, 5100L, 6100L, 7100L, 8005L), visited);
        index.finish(one);
        assertEquals(1, index.sessionCount());
        visited.clear();
        index.forEachRecord(Long.MAX_VALUE, (sequence, segment, offset) -> visited.add(sequence));
        visited.sort(null);
        assertEquals(List.of(8L, 9L), visited);
    }
}
