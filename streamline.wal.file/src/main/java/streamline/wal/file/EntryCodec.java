package streamline.wal.file;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import streamline.api.wal.LogEntry;

/**
 * The binary form of a {@link LogEntry} inside a record. The kind and the session id come first,
 * at fixed offsets, so recovery can index a record without decoding the rest.
 *
 * <pre>
 * kind:u8 session:16 flow:16 hasProcessor:u8 [processor:16] processorName:str contentId:str
 * triggerMark:str error:str attempt:varint completedCount:varint completed:16* metadata:map
 * str = varint length + UTF-8 ({@link EntryOutput}); map = tagged values ({@link MetadataCodec})
 * </pre>
 */
public final class EntryCodec {

    static final int KIND_OFFSET = 0;
    private static final int SESSION_OFFSET = 1;

    private static final LogEntry.Kind[] KINDS = LogEntry.Kind.values();

    private EntryCodec() {
    }

    /**
     * The bytes of an entry as this log stores them.
     *
     * @throws IllegalArgumentException if a text holds an unpaired surrogate: UTF-8 cannot carry one, and
     *         the entry would come back with {@code ?} in its place
     */
    public static byte[] encode(LogEntry entry) {
        EntryOutput out = new EntryOutput(256);
        out.u8(entry.kind().ordinal());
        out.uuid(entry.sessionId());
        out.uuid(entry.flowId());
        if (entry.processorId() == null) {
            out.u8(0);
        } else {
            out.u8(1);
            out.uuid(entry.processorId());
        }
        out.string(entry.processorName());
        out.string(entry.contentId());
        out.string(entry.triggerMark());
        out.string(entry.error());
        out.varint(entry.attempt());
        out.varint(entry.completedSteps().size());
        for (UUID step : entry.completedSteps()) {
            out.uuid(step);
        }
        MetadataCodec.write(out, entry.metadata());
        return out.toByteArray();
    }

    static LogEntry.Kind kind(ByteBuffer payload) {
        return kindOf(payload.get(payload.position() + KIND_OFFSET));
    }

    static UUID sessionId(ByteBuffer payload) {
        return new UUID(sessionHigh(payload), sessionLow(payload));
    }

    /** The session id's most significant half, without making a {@link UUID}. */
    static long sessionHigh(ByteBuffer payload) {
        return payload.getLong(payload.position() + SESSION_OFFSET);
    }

    /** The session id's least significant half. */
    static long sessionLow(ByteBuffer payload) {
        return payload.getLong(payload.position() + SESSION_OFFSET + 8);
    }

    /**
     * Decodes a payload whose checksum already matched.
     *
     * @throws IllegalArgumentException if the bytes are not an entry of this format
     */
    public static LogEntry decode(long sequence, ByteBuffer payload) {
        return decode(sequence, payload, null);
    }

    /**
     * Decodes a payload, taking metadata keys, processor names, flow and processor ids from
     * {@code vocabulary} (if not null) when an earlier entry had them: stored once instead of per entry.
     */
    static LogEntry decode(long sequence, ByteBuffer payload, Vocabulary vocabulary) {
        // read in place, the position restored after: a slice per entry was a million garbage buffers per recovery
        ByteBuffer in = payload;
        int start = in.position();
        try {
            if (vocabulary != null) {
                vocabulary.nextEntry();
            }
            LogEntry.Kind kind = kindOf(in.get());
            UUID session = EntryInput.uuid(in);
            UUID flow = EntryInput.id(in, vocabulary);
            UUID processor = in.get() == 0 ? null : EntryInput.id(in, vocabulary);
            String processorName = EntryInput.name(in, vocabulary);
            String contentId = EntryInput.string(in);
            String triggerMark = EntryInput.string(in);
            String error = EntryInput.string(in);
            int attempt = EntryInput.varint(in);
            int completedCount = EntryInput.varint(in);
            if (completedCount > in.remaining() / 16) {
                throw new IllegalArgumentException(completedCount + " completed steps, only " + in.remaining() + " bytes left");
            }
            UUID[] completed = new UUID[completedCount];
            for (int i = 0; i < completedCount; i++) {
                completed[i] = EntryInput.id(in, vocabulary);
            }
            List<UUID> completedSteps = vocabulary == null ? List.of(completed) : vocabulary.completedSteps(completed);
            Map<String, Object> metadata = MetadataCodec.read(in, vocabulary);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes left after the entry");
            }
            return new LogEntry(sequence, kind, session, flow, processor, processorName, contentId, metadata,
                    triggerMark, attempt, completedSteps, error);
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("entry " + sequence + " is cut short", e);
        } finally {
            in.position(start);
        }
    }

    private static LogEntry.Kind kindOf(byte ordinal) {
        if (ordinal < 0 || ordinal >= KINDS.length) {
            throw new IllegalArgumentException("unknown entry kind " + ordinal);
        }
        return KINDS[ordinal];
    }
}
