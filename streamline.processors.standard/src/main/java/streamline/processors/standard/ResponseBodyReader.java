package streamline.processors.standard;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a response body in the step's thread, one part at a time (the client delivers the next part only once this
 * one is taken), giving up when none arrives within the read timeout or when the body passes a limit.
 */
final class ResponseBodyReader implements Flow.Subscriber<List<ByteBuffer>> {

    /** The body ended. */
    private static final Object END = new Object();

    /** The body is larger than the limit it was read with. */
    static final class TooLarge extends Exception {
        private static final long serialVersionUID = 1L;

        TooLarge(long limit) {
            super("more than " + limit + " bytes");
        }
    }

    /** Parts, then END or the client's failure; at most one part waits, as only one is asked for at a time. */
    private final BlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
    private final ProgressClock clock;
    private final Duration timeout;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    ResponseBodyReader(ProgressClock clock, Duration timeout) {
        this.clock = clock;
        this.timeout = timeout;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        if (cancelled) {
            subscription.cancel();
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        arrived.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
        arrived.add(throwable);
    }

    @Override
    public void onComplete() {
        arrived.add(END);
    }

    /**
     * Copies the body to {@code sink} until it ends, or until {@code limit} bytes were copied (then the rest is left
     * unread and the exchange cancelled).
     *
     * @return the bytes copied
     * @throws TooLarge when the body holds more than {@code limit} bytes and {@code failOverLimit} is true
     * @throws ServerNotReadyException when no part arrived within the read timeout, or the connection failed
     */
    long copyTo(OutputStream sink, long limit, boolean failOverLimit) throws IOException, InterruptedException, TooLarge {
        long copied = 0;
        try {
            while (true) {
                Object next = arrived.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
                if (next == null) {
                    throw new ServerNotReadyException("no part of the response body arrived for " + timeout.toSeconds() + " s",
                            null);
                }
                if (next == END) {
                    return copied;
                }
                if (next instanceof Throwable failure) {
                    throw new ServerNotReadyException("the response body broke off: " + failure, failure);
                }
                clock.tick();
                @SuppressWarnings("unchecked")
                List<ByteBuffer> buffers = (List<ByteBuffer>) next;
                for (ByteBuffer buffer : buffers) {
                    int n = buffer.remaining();
                    if (copied + n > limit) {
                        int room = (int) (limit - copied);
                        write(sink, buffer, room);
                        copied += room;
                        cancel();
                        if (failOverLimit) {
                            throw new TooLarge(limit);
                        }
                        return copied;
                    }
                    write(sink, buffer, n);
                    copied += n;
                }
                subscription.request(1);
            }
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            cancel();
            throw e;
        }
    }

    private static void write(OutputStream sink, ByteBuffer buffer, int length) throws IOException {
        if (buffer.hasArray()) {
            sink.write(buffer.array(), buffer.arrayOffset() + buffer.position(), length);
        } else {
            byte[] bytes = new byte[length];
            buffer.get(bytes);
            sink.write(bytes);
        }
    }

    /** Stops reading: the client closes the connection rather than read the rest. */
    void cancel() {
        cancelled = true;
        Flow.Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
    }
}
