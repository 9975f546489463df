package streamline.wal.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/** Opens the log's files; tests substitute channels that fail, to show the log survives it. */
@FunctionalInterface
interface FileOpener {
    FileOpener DEFAULT = FileChannel::open;

    FileChannel open(Path file, OpenOption... options) throws IOException;
}
