package streamline.processors.standard;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One run of a program through pipes, never through files: its standard input is fed from a stream,
 * its standard output and error are kept up to a limit and the rest is read and dropped, so a
 * program can neither fill a disk nor the heap. On a timeout or an interrupt the whole process tree is
 * killed, not only the child. The run's three pipe threads are its own and end before {@link #run}
 * returns.
 */
final class ProcessRun {

    /** How long the pipes may stay open after the program exited (a background grandchild may hold them). */
    private static final Duration PIPE_GRACE = Duration.ofSeconds(2);

    /** The program's exit code and what it wrote, each cut at the limit. */
    record Result(int exitCode, String output, String error, boolean outputCut, boolean errorCut) {
    }

    /** A timeout: the program and its descendants were killed. */
    static final class TimedOut extends Exception {
        private static final long serialVersionUID = 1L;

        TimedOut(String message) {
            super(message);
        }
    }

    private ProcessRun() {
    }

    /**
     * @param input the standard input, or null for none (the program reads end of file)
     * @param name the program, for thread names and messages
     */
    static Result run(ProcessBuilder builder, InputStream input, int limit, Duration timeout, String name)
            throws IOException, InterruptedException, TimedOut {
        builder.redirectInput(input == null ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                : ProcessBuilder.Redirect.PIPE);
        builder.redirectOutput(ProcessBuilder.Redirect.PIPE).redirectError(ProcessBuilder.Redirect.PIPE);
        Process process = builder.start();
        Capture output = new Capture(process.getInputStream(), limit);
        Capture error = new Capture(process.getErrorStream(), limit);
        List<Thread> pipes = new ArrayList<>();
        pipes.add(start(name + " stdout", output));
        pipes.add(start(name + " stderr", error));
        if (input != null) {
            pipes.add(start(name + " stdin", () -> feed(input, process.getOutputStream())));
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                int killed = killTree(process);
                int started = killed - 1;
                throw new TimedOut(name + " ran longer than " + timeout.toSeconds() + " s and was killed"
                        + (started == 0 ? "" : ", with " + started + (started == 1 ? " process" : " processes") + " it started"));
            }
            awaitPipes(pipes, process);
            return new Result(process.exitValue(), output.text(), error.text(), output.cut(), error.cut());
        } finally {
            if (process.isAlive()) {
                killTree(process); // interrupted (the step's timeout), or failed while waiting
            }
            awaitPipes(pipes, process);
        }
    }

    /**
     * Kills the process and every descendant, looking again for ones started while it killed.
     *
     * @return how many processes it killed
     */
    static int killTree(Process process) {
        Set<ProcessHandle> killed = new LinkedHashSet<>();
        for (int round = 0; round < 3; round++) {
            List<ProcessHandle> tree = new ArrayList<>();
            tree.add(process.toHandle());
            process.descendants().forEach(tree::add);
            for (ProcessHandle handle : List.copyOf(killed)) {
                handle.descendants().forEach(tree::add);
            }
            boolean found = false;
            for (ProcessHandle handle : tree) {
                if (handle.isAlive() && handle.destroyForcibly()) {
                    found |= killed.add(handle);
                }
            }
            if (!found) {
                break;
            }
        }
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Math.max(1, killed.size());
    }

    private static Thread start(String name, Runnable pipe) {
        Thread thread = new Thread(pipe, "streamline-run " + name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Waits for the pipes to reach their end; past the grace, closes them so that their threads end. */
    private static void awaitPipes(List<Thread> pipes, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + PIPE_GRACE.toNanos();
        for (Thread pipe : pipes) {
            pipe.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        if (pipes.stream().anyMatch(Thread::isAlive)) {
            closeQuietly(process.getInputStream());
            closeQuietly(process.getErrorStream());
            closeQuietly(process.getOutputStream());
            for (Thread pipe : pipes) {
                pipe.join(1000);
            }
        }
    }

    private static void feed(InputStream input, OutputStream stdin) {
        try (input; stdin) {
            input.transferTo(stdin);
        } catch (IOException e) {
            // the program closed its input or exited without reading it all: what it read is what it wanted
        }
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // closing only to end a pipe thread
        }
    }

    /** Reads a stream to its end, keeping the first {@code limit} bytes. */
    private static final class Capture implements Runnable {
        private final InputStream in;
        private final int limit;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private volatile boolean cut;

        Capture(InputStream in, int limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    int room = limit - kept.size();
                    if (n > room) {
                        cut = true;
                    }
                    synchronized (kept) {
                        kept.write(buffer, 0, Math.max(0, Math.min(n, room)));
                    }
                }
            } catch (IOException e) {
                // the pipe was closed after the program exited: what was read is kept
            }
        }

        String text() {
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }

        boolean cut() {
            return cut;
        }
    }
}
