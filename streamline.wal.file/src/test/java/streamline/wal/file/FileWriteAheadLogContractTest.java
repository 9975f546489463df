package streamline.wal.file;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

import streamline.api.wal.WriteAheadLog;
import streamline.testkit.WriteAheadLogContract;

class FileWriteAheadLogContractTest extends WriteAheadLogContract {

    @TempDir
    Path directory;

    @Override
    protected WriteAheadLog openOnNewStorage() throws Exception {
        return new FileWriteAheadLog(WalOptions.defaults(directory));
    }

    @Override
    protected WriteAheadLog reopen() throws Exception {
        return new FileWriteAheadLog(WalOptions.defaults(directory));
    }

    @Override
    protected void compactNow(WriteAheadLog log) throws Exception {
        ((FileWriteAheadLog) log).checkpoint();
    }
}
