package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import streamline.api.wal.WriteAheadLogException;

/** The log as a whole: one log a directory. */
class FileWriteAheadLogTest extends LogTestSupport {

    @Test
    void aSecondLogOnTheSameDirectoryIsRefused() throws Exception {
        try (FileWriteAheadLog log = open(unsynced())) {
            WriteAheadLogException e = assertThrows(WriteAheadLogException.class, () -> open(unsynced()));
            assertTrue(e.getMessage().contains("in use by another log"), e.getMessage());
            log.append(anyStart());
        }
        try (FileWriteAheadLog log = open(unsynced())) {
            assertEquals(1, log.entries().size());
        }
    }
}
