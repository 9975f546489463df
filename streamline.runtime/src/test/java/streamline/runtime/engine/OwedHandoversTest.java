package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;
import streamline.wal.file.FileWriteAheadLog;

/** Handovers owed to logs that went away in turn: each log's debt kept apart, durable, and paid on its own. */
class OwedHandoversTest {

    @TempDir
    Path directory;

    FileWriteAheadLog walA;
    FileWriteAheadLog walB;

    @BeforeEach
    void open() throws Exception {
        walA = FileWriteAheadLog.open(directory.resolve("wal-a"), "always");
        walB = FileWriteAheadLog.open(directory.resolve("wal-b"), "always");
    }

    @AfterEach
    void close() throws Exception {
        walA.close();
        walB.close();
    }

    private static List<LogEntry> started(int sessions) {
        UUID flow = UUID.randomUUID();
        UUID step = UUID.randomUUID();
        return java.util.stream.IntStream.range(0, sessions)
                .mapToObj(i -> LogEntry.stepStarted(UUID.randomUUID(), flow, step, "A", "", Map.of(), "mark-" + i, 0, List.of()))
                .toList();
    }

    private InUseRecord record() {
        return new InUseRecord(directory.resolve("work"), new ObjectMapper());
    }

    /** Owing nothing, the record is written as an engine before debts wrote it, which reads it. */
    @Test
    void aRecordOwingNothingIsWrittenWithoutTheDebts() throws Exception {
        List<LogEntry> inA = started(2);
        walA.appendAll(inA);
        OwedHandovers owed = new OwedHandovers(record());
        owed.moved("a", inA, new Named<>("b", walB), inA);
        owed.pay(new Named<>("a", walA));

        assertEquals("{\"wal\":\"b\",\"flowStore\":\"\"}",
                java.nio.file.Files.readString(record().file()).strip());
    }

    @Test
    void twoLogsThatWentAwayInTurnAreEachOwedTheirSessionsAndToldApart() throws Exception {
        List<LogEntry> inA = started(3);
        List<LogEntry> inB = started(2);
        walA.appendAll(inA);
        walB.appendAll(inB);
        OwedHandovers owed = new OwedHandovers(record());
        Named<streamline.api.wal.WriteAheadLog> a = new Named<>("a", walA);
        Named<streamline.api.wal.WriteAheadLog> b = new Named<>("b", walB);

        // 'a' went away, its sessions moved to 'b'; then 'b' went away, its own and a's moved to 'c'
        owed.moved("a", inA, b, inA);
        List<LogEntry> bLive = new java.util.ArrayList<>(inB);
        bLive.addAll(inA);
        owed.moved("b", bLive, new Named<>("c", walA), List.of());

        InUseRecord.InUse read = record().read(); // what a new engine on the same folder reads
        assertEquals("c", read.wal());
        assertEquals(3, read.owedTo("a").size());
        assertEquals(5, read.owedTo("b").size());

        owed.pay(a);
        assertEquals(List.of(), walA.liveEntries(), "'a' told its three sessions were handed over");
        assertEquals(List.of(), record().read().owedTo("a"));
        assertEquals(5, record().read().owedTo("b").size(), "the debt to 'b' stays until it is seen");

        owed.pay(b);
        assertEquals(List.of(), walB.liveEntries(), "'b' told, the sessions it never held included");
        assertTrue(record().read().owed().isEmpty());
    }

    /**
     * A log present and owed sessions whose code fails with an {@code Error} (a broken bundle) while it is told: the
     * failure is logged and its debt kept, as for an exception; it does not escape to the start or the service event.
     */
    @Test
    void aLogFailingWithAnErrorWhileToldKeepsItsDebtAndTheErrorGoesNoFurther() throws Exception {
        List<LogEntry> inA = started(2);
        walA.appendAll(inA);
        OwedHandovers owed = new OwedHandovers(record());
        owed.moved("a", inA, new Named<>("b", walB), List.of());
        streamline.api.wal.WriteAheadLog broken = new streamline.api.wal.WriteAheadLog() {
            @Override
            public long append(LogEntry entry) {
                throw new NoClassDefFoundError("streamline/wal/Missing");
            }

            @Override
            public long appendAll(List<LogEntry> entries) {
                throw new NoClassDefFoundError("streamline/wal/Missing");
            }

            @Override
            public List<LogEntry> entries() throws WriteAheadLogException {
                return walA.entries();
            }

            @Override
            public List<LogEntry> liveEntries() throws WriteAheadLogException {
                return walA.liveEntries();
            }
        };
        KnownServices known = new KnownServices() {
            @Override
            public java.util.Optional<streamline.api.wal.WriteAheadLog> wal(String name) {
                return name.equals("a") ? java.util.Optional.of(broken) : java.util.Optional.empty();
            }

            @Override
            public java.util.Optional<streamline.api.flow.FlowManager> flowStore(String name) {
                return java.util.Optional.empty();
            }

            @Override
            public boolean abandoned(String name) {
                return false;
            }
        };

        owed.payPresent(known, java.util.Set.of("b"));
        owed.payIfPresent("a", known);
        assertEquals(2, record().read().owedTo("a").size(), "the debt to 'a' stays until it is told");
        assertEquals(2, walA.liveEntries().size());
    }

    /** A record damaged to a JSON {@code null} is refused as damaged, naming the file, not taken for no record. */
    @Test
    void anInterruptPendingOnTheWritingThreadFailsNoRecordAndIsKeptForIt() throws Exception {
        // a log's write hands back an interrupt that met it; the record written next in the same switch must not fail for it
        InUseRecord.InUse owing = InUseRecord.InUse.NONE.withWal("b");
        Thread.currentThread().interrupt();
        try {
            record().write(owing);
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt is the caller's: kept");
        }
        assertEquals(owing, record().read());
    }

    @Test
    void aRecordDamagedToNullIsRefusedNamingTheFile() throws Exception {
        java.nio.file.Files.createDirectories(directory.resolve("work"));
        java.nio.file.Files.writeString(directory.resolve("work").resolve(InUseRecord.FILE), "null");

        java.io.IOException damaged = assertThrows(java.io.IOException.class, () -> record().read());
        assertTrue(damaged.getMessage().contains(InUseRecord.FILE), damaged.getMessage());
        WriteAheadLogException refused = assertThrows(WriteAheadLogException.class,
                () -> new OwedHandovers(record()).pay(new Named<>("a", walA)));
        assertTrue(refused.getMessage().contains("damaged"), refused.getMessage());
    }

    @Test
    void aLogThatCannotBeToldKeepsItsDebt() throws Exception {
        List<LogEntry> inA = started(2);
        walA.appendAll(inA);
        OwedHandovers owed = new OwedHandovers(record());
        owed.moved("a", inA, new Named<>("b", walB), List.of());
        walA.close(); // closed logs refuse appends

        assertThrows(WriteAheadLogException.class, () -> owed.pay(new Named<>("a", walA)));
        assertEquals(2, record().read().owedTo("a").size());
        walA = FileWriteAheadLog.open(directory.resolve("wal-a"), "always");
        assertEquals(2, walA.liveEntries().size(), "not told, the sessions stay live there until it is");
    }
}
