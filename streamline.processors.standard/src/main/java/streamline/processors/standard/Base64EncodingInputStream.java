package streamline.processors.standard;

import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;

/** Reads another stream as standard Base64 with padding, a block at a time (never the whole source). */
final class Base64EncodingInputStream extends InputStream {

    /** Source bytes encoded at once: a multiple of 3, so only the last block is padded. */
    private static final int BLOCK = 3 * 8192;

    private final InputStream source;
    private final Base64.Encoder encoder = Base64.getEncoder();
    private final byte[] raw = new byte[BLOCK];
    private byte[] encoded = new byte[0];
    private int position;
    private boolean ended;

    Base64EncodingInputStream(InputStream source) {
        this.source = source;
    }

    /** The length of the encoding of {@code length} bytes. */
    static long encodedLength(long length) {
        return 4 * ((length + 2) / 3);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position == encoded.length && !fill()) {
            return -1;
        }
        int n = Math.min(length, encoded.length - position);
        System.arraycopy(encoded, position, buffer, offset, n);
        position += n;
        return n;
    }

    private boolean fill() throws IOException {
        if (ended) {
            return false;
        }
        int n = source.readNBytes(raw, 0, BLOCK);
        if (n < BLOCK) {
            ended = true;
        }
        if (n == 0) {
            return false;
        }
        encoded = n == BLOCK ? encoder.encode(raw) : encoder.encode(java.util.Arrays.copyOf(raw, n));
        position = 0;
        return true;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
