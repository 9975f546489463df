package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
        Random random = new Random(42);
        List<Long> shuffled = new ArrayList<>();
        for (long i = 1; i <= 20_000; i++) {
            shuffled.add(i * 7 + random.nextInt(7));
        }
        Collections.shuffle(shuffled, random);
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
    void namesRememberedByTheirPlaceNeverStandForAnother() {
        Vocabulary vocabulary = new Vocabulary();
        List<List<String>> entries = List.of(List.of("Tag", "path", "size"), List.of("Tag", "path", "size"),
                List.of("Tag", "size", "path"), List.of("Store", "pat", "sizes", "extra"), List.of("Tag", "path", "size"));
        for (List<String> names : entries) {
            vocabulary.nextEntry();
            for (String name : names) {
                byte[] bytes = ("<" + name + ">").getBytes(StandardCharsets.UTF_8);
                assertEquals(name, vocabulary.name(bytes, 1, bytes.length - 2));
            }
        }
        vocabulary.nextEntry();
        String first = vocabulary.name("Tag".getBytes(StandardCharsets.UTF_8), 0, 3);
        vocabulary.nextEntry();
        assertSame(first, vocabulary.name("Tag".getBytes(StandardCharsets.UTF_8), 0, 3), "one object, found by its place");
    }

    @Test
    void entriesDecodedWithAVocabularyEqualThoseWithout() {
        UUID flow = UUID.randomUUID();
        UUID processor = UUID.randomUUID();
        Vocabulary vocabulary = new Vocabulary();
        // metadata whose keys repeat, change order, shrink, grow and nest: each decoded map has its own keys
        List<Map<String, Object>> metadata = List.of(
                ordered("k", "v0", "n", Map.of("deep", List.of(1, 2L, "x"))),
                ordered("k", "v1", "n", Map.of("deep", List.of(3))),
                ordered("n", "first", "k", "second"),
                ordered("k", "only"),
                ordered("k", "v2", "n", 7, "extra", true),
                ordered("k", "v3", "n", ordered("k", "nested", "n", 1)),
                Map.of());
        for (int i = 0; i < metadata.size(); i++) {
            LogEntry entry = LogEntry.stepStarted(UUID.randomUUID(), flow, processor, "Tag", "c" + i,
                    metadata.get(i), "", i, List.of(processor));
            ByteBuffer bytes = ByteBuffer.wrap(EntryCodec.encode(entry));
            LogEntry plain = EntryCodec.decode(i + 1, bytes.duplicate());
            LogEntry shared = EntryCodec.decode(i + 1, bytes.duplicate(), vocabulary);
            assertEquals(plain, shared);
            assertEquals(List.copyOf(metadata.get(i).keySet()), List.copyOf(shared.metadata().keySet()), "key order");
            assertEquals(i + 1, shared.sequence());
            assertSame(shared.flowId(), EntryCodec.decode(9, bytes.duplicate(), vocabulary).flowId());
        }
    }

    @Test
    void completedStepListsAreSharedOnlyWhenTheyHoldTheSameIds() {
        UUID flow = UUID.randomUUID();
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        UUID c = UUID.randomUUID();
        List<List<UUID>> lists = new ArrayList<>(List.of(List.of(a, b, c), List.of(a, b, c), List.of(a, b), List.of(b, a),
                List.of(a, b, UUID.randomUUID()), List.of(), List.of(c), List.of(a, b, c)));
        for (int i = 0; i < 200; i++) {
            lists.add(List.of(UUID.randomUUID(), a)); // more lists than the vocabulary keeps: slots are taken over
        }
        lists.add(List.of(a, b, c));
        Vocabulary vocabulary = new Vocabulary();
        List<LogEntry> decoded = new ArrayList<>();
        for (int i = 0; i < lists.size(); i++) {
            LogEntry entry = LogEntry.stepStarted(UUID.randomUUID(), flow, c, "Tag", "", Map.of(), "", 0, lists.get(i));
            ByteBuffer bytes = ByteBuffer.wrap(EntryCodec.encode(entry));
            decoded.add(EntryCodec.decode(i + 1, bytes, vocabulary));
            assertEquals(0, bytes.position(), "the caller's buffer is left as it was");
            assertEquals(lists.get(i), decoded.get(i).completedSteps());
        }
        // the same ids one after the other: one list (lists in between may take its slot, the ids being random)
        assertSame(decoded.get(0).completedSteps(), decoded.get(1).completedSteps(), "the same ids: one list");
        assertThrows(UnsupportedOperationException.class, () -> decoded.get(0).completedSteps().add(a));
    }

    /** A map of the given keys and values, in that order. */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    @Test
    void theLiveIndexVisitsEveryRecordOfUnfinishedSessionsUpToASequence() {
        LiveIndex index = new LiveIndex();
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

    @Test
    void aSessionTableAgreesWithAMapThroughGrowthRemovalsAndShrinking() {
        // one shard without the index's spreading, against a map: sessions come in a burst of 50,000
        // (the table grows from 16 slots), most finish (it shrinks), in random order, with 1-4 records each
        Random random = new Random(7);
        SessionTable table = new SessionTable();
        Map<UUID, List<Long>> model = new HashMap<>();
        List<UUID> open = new ArrayList<>();
        long sequence = 0;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 50_000; i++) {
                // a few ids with equal halves, whose mixed hashes collide more often than random ones
                UUID session = i % 5 == 0 ? new UUID(round, i) : UUID.randomUUID();
                open.add(session);
                for (int r = 0; r <= random.nextInt(4); r++) {
                    add(table, session, ++sequence);
                    model.computeIfAbsent(session, s -> new ArrayList<>()).add(sequence);
                }
            }
            assertTableEquals(model, table);
            Collections.shuffle(open, random);
            int keep = round == 2 ? 0 : 1_000;
            while (open.size() > keep) {
                UUID session = open.remove(open.size() - 1);
                if (random.nextBoolean()) {
                    add(table, session, ++sequence); // a later record of a finishing session
                }
                table.finish(session.getMostSignificantBits(), session.getLeastSignificantBits(),
                        SessionTable.mix(session.getMostSignificantBits(), session.getLeastSignificantBits()));
                model.remove(session);
                if (open.size() % 9_973 == 0) {
                    assertTableEquals(model, table);
                }
            }
            assertTableEquals(model, table);
        }
        assertEquals(0, table.sessions());
        assertEquals(0, table.records());
    }

    private static void add(SessionTable table, UUID session, long sequence) {
        long high = session.getMostSignificantBits();
        long low = session.getLeastSignificantBits();
        table.add(high, low, SessionTable.mix(high, low), sequence, (int) (sequence % 7), sequence * 3);
    }

    private static void assertTableEquals(Map<UUID, List<Long>> model, SessionTable table) {
        assertEquals(model.size(), table.sessions());
        List<UUID> sessions = new ArrayList<>();
        table.forEachSession((high, low) -> sessions.add(new UUID(high, low)));
        assertEquals(model.keySet(), new HashSet<>(sessions));
        assertEquals(model.size(), sessions.size(), "each session once");
        List<Long> expected = new ArrayList<>();
        model.values().forEach(expected::addAll);
        expected.sort(null);
        List<Long> visited = new ArrayList<>();
        table.forEachRecord(Long.MAX_VALUE, (sequence, segment, offset) -> {
            assertEquals(sequence % 7, segment, "segment of record " + sequence);
            assertEquals(sequence * 3, offset, "offset of record " + sequence);
            visited.add(sequence);
        });
        visited.sort(null);
        assertEquals(expected, visited);
        assertEquals(expected.size(), table.records());
    }

    private static List<Long> visitAll(LiveIndex index, long maxSequence) {
        List<Long> visited = new ArrayList<>();
        index.forEachRecord(maxSequence, (sequence, segment, offset) -> visited.add(sequence));
        visited.sort(null);
        return visited;
    }

    @Test
    void snapshotSessionsJoinTheLaterRecordsAndFinishLikeThem() {
        // 20,000 sessions with 1 to 3 records each, as a snapshot held them, and ids that share a half
        List<UUID> sessions = new ArrayList<>();
        SnapshotSessions.Builder builder = new SnapshotSessions.Builder(4);
        long sequence = 0;
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            UUID session = i % 2 == 0 ? UUID.randomUUID() : new UUID(42, i);
            sessions.add(session);
            for (int r = 0; r <= i % 3; r++) {
                builder.add(session.getMostSignificantBits(), session.getLeastSignificantBits(), ++sequence);
                expected.add(sequence);
            }
        }
        LiveIndex index = new LiveIndex();
        index.recovered(builder.build());
        assertEquals(20_000, index.sessionCount());
        assertEquals(expected, visitAll(index, Long.MAX_VALUE));
        assertEquals(expected.subList(0, 100), visitAll(index, 100));
        index.forEachRecord(Long.MAX_VALUE, (s, segment, offset) -> assertEquals(0, segment, "a snapshot record"));

        // the first session goes on in a segment; a new one starts; the second finishes, the new one too
        UUID first = sessions.get(0);
        index.add(first, ++sequence, 3, 64);
        UUID fresh = UUID.randomUUID();
        index.add(fresh, ++sequence, 3, 128);
        assertEquals(20_001, index.sessionCount(), "a snapshot session with later records counts once");
        assertTrue(index.sizeHint() >= index.sessionCount());
        index.finish(sessions.get(1));
        index.finish(sessions.get(1)); // a second finish record changes nothing
        index.finish(fresh);
        index.finish(UUID.randomUUID()); // never seen
        assertEquals(19_999, index.sessionCount());
        List<Long> visited = visitAll(index, Long.MAX_VALUE);
        assertEquals(expected.size() - 2 + 1, visited.size(), "session 1's two records gone, session 0's new one there");
        assertTrue(visited.contains(sequence - 1) && !visited.contains(sequence));
        index.finish(first);
        assertFalse(visitAll(index, Long.MAX_VALUE).contains(sequence - 1));
        assertFalse(visitAll(index, Long.MAX_VALUE).contains(1L), "session 0's snapshot record went with it");
        assertEquals(19_998, index.sessionCount());
        assertTrue(index.holdsSnapshotSessions());
    }

    @Test
    void theSnapshotSessionsAreDroppedOnceAllFinished() {
        UUID one = UUID.randomUUID();
        UUID two = UUID.randomUUID();
        SnapshotSessions.Builder builder = new SnapshotSessions.Builder(2);
        builder.add(one.getMostSignificantBits(), one.getLeastSignificantBits(), 1);
        builder.add(two.getMostSignificantBits(), two.getLeastSignificantBits(), 2);
        builder.add(one.getMostSignificantBits(), one.getLeastSignificantBits(), 3);
        LiveIndex index = new LiveIndex();
        index.recovered(builder.build());
        index.add(two, 4, 1, 0);
        index.finish(two);
        index.finish(two);
        assertTrue(index.holdsSnapshotSessions(), "session one is unfinished");
        assertEquals(List.of(1L, 3L), visitAll(index, Long.MAX_VALUE));
        index.finish(one);
        assertFalse(index.holdsSnapshotSessions(), "no unfinished session left in it");
        assertEquals(0, index.sessionCount());
        assertEquals(List.of(), visitAll(index, Long.MAX_VALUE));
        UUID three = UUID.randomUUID();
        index.add(three, 5, 1, 64);
        index.finish(one); // a late second finish of a snapshot session changes nothing
        assertEquals(1, index.sessionCount());
        assertEquals(List.of(5L), visitAll(index, Long.MAX_VALUE));
        assertThrows(IllegalStateException.class, () -> index.recovered(new SnapshotSessions.Builder(1).build()),
                "the snapshot's sessions are set once, even after they went");
    }

    @Test
    void theSnapshotSessionsComeFirstAndOnce() {
        LiveIndex index = new LiveIndex();
        index.add(UUID.randomUUID(), 1, 1, 0);
        assertThrows(IllegalStateException.class, () -> index.recovered(new SnapshotSessions.Builder(1).build()));
    }
}
