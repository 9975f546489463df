package streamline.processors.standard;

import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The time of an exchange's last progress: a part of the request body taken by the client, the response arriving, a
 * part of the response body read. A read timeout is time without progress, so an upload of any size goes on as
 * long as the server takes it, and a server that stops taking it or stops answering is given up on.
 */
final class ProgressClock {

    private final long timeoutNanos;
    private final AtomicLong last = new AtomicLong(System.nanoTime());
    private final AtomicLong requestBytes = new AtomicLong();

    ProgressClock(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    void tick() {
        last.set(System.nanoTime());
    }

    /** Bytes of the request body the client has taken so far. */
    long requestBytes() {
        return requestBytes.get();
    }

    /**
     * Waits for {@code future} while there is progress.
     *
     * @throws TimeoutException when there was none for the timeout (the future is then cancelled)
     */
    <T> T await(CompletableFuture<T> future) throws InterruptedException, ExecutionException, TimeoutException {
        while (true) {
            long idle = System.nanoTime() - last.get();
            if (idle >= timeoutNanos) {
                future.cancel(true);
                throw new TimeoutException("no progress for " + Duration.ofNanos(timeoutNanos).toSeconds() + " s");
            }
            try {
                return future.get(timeoutNanos - idle, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // progress may have been made meanwhile: look again
            } catch (InterruptedException e) {
                future.cancel(true);
                throw e;
            } catch (CancellationException e) {
                throw new ExecutionException("the exchange was cancelled", e);
            }
        }
    }

    /** {@code body}, with each part the client takes counted as progress. */
    BodyPublisher counting(BodyPublisher body) {
        return new BodyPublisher() {
            @Override
            public long contentLength() {
                return body.contentLength();
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                body.subscribe(new Flow.Subscriber<ByteBuffer>() {
                    @Override
                    public void onSubscribe(Flow.Subscription subscription) {
                        subscriber.onSubscribe(subscription);
                    }

                    @Override
                    public void onNext(ByteBuffer item) {
                        requestBytes.addAndGet(item.remaining());
                        tick();
                        subscriber.onNext(item);
                    }

                    @Override
                    public void onError(Throwable throwable) {
                        subscriber.onError(throwable);
                    }

                    @Override
                    public void onComplete() {
                        tick();
                        subscriber.onComplete();
                    }
                });
            }
        };
    }
}
