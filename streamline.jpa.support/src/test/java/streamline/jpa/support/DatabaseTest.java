package streamline.jpa.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DatabaseTest {

    @Test
    void secretsInAUrlNeverReachAMessage() {
        assertEquals("jdbc:derby:flows;create=true;dataEncryption=true;bootPassword=***",
                Database.redacted("jdbc:derby:flows;create=true;dataEncryption=true;bootPassword=s3cret"));
        assertEquals("jdbc:postgresql://db:5432/streamline?user=engine&password=***&ssl=true",
                Database.redacted("jdbc:postgresql://db:5432/streamline?user=engine&password=p4ss&ssl=true"));
        assertEquals("jdbc:h2:file:./x;CIPHER=AES;FILE_PASSWORD=***;encryptionKey=***",
                Database.redacted("jdbc:h2:file:./x;CIPHER=AES;FILE_PASSWORD=a b;encryptionKey=k"));
        assertEquals("jdbc:derby:wal;create=true", Database.redacted("jdbc:derby:wal;create=true"));

        IllegalArgumentException noDriver = assertThrows(IllegalArgumentException.class, () -> Database.open(
                "jdbc:postgresql://db/streamline?password=p4ss", "", "", 2, null, "streamline.wal.jpa", null));
        assertFalse(noDriver.getMessage().contains("p4ss"), noDriver.getMessage());
        assertTrue(noDriver.getMessage().contains("password=***"), noDriver.getMessage());
    }
}
