package streamline.wal.file;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import streamline.api.wal.LogEntry;
import streamline.testkit.WriteAheadLogContract;

/**
 * The child process of {@link CrashRecoveryTest}: appends durably from several threads until it is
 * killed, and prints a line for each append that returned ("ack kind sequence session"), and a line
 * before each session-finished append ("finishing session").
 */
public final class CrashAppender {

    private CrashAppender() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        // small segments and checkpoints, so that kills land in rolls and checkpoints too
        FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory).withSegmentBytes(128 * 1024)
                .withCheckpoints(512 * 1024, Duration.ZERO));
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        UUID flow = UUID.randomUUID();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try {
                    for (int i = 0; ; i++) {
                        UUID session = UUID.randomUUID();
                        UUID step = UUID.randomUUID();
                        ack(out, "started", log.append(WriteAheadLogContract.started(session, flow, step, 0, List.of())), session);
                        if (i % 2 == 0) {
                            ack(out, "completed", log.append(WriteAheadLogContract.completed(session, flow, step)), session);
                            synchronized (out) {
                                out.println("finishing " + session);
                                out.flush();
                            }
                            ack(out, "finished", log.append(LogEntry.sessionFinished(session, flow, "", "")), session);
                        }
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                    System.exit(2);
                }
            });
            thread.start();
        }
        synchronized (out) {
            out.println("running");
            out.flush();
        }
    }

    private static void ack(PrintStream out, String kind, long sequence, UUID session) {
        synchronized (out) {
            out.println("ack " + kind + " " + sequence + " " + session);
            out.flush();
        }
    }
}
