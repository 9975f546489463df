package streamline.wal.file;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The names, ids and id lists that repeat from entry to entry (metadata keys, processor names, flow
 * and processor ids, completed-step lists), so decoding a million entries keeps one object of each
 * instead of a million, and finds a known name from its bytes without building a string first.
 * Bounded: once it holds {@value #LIMIT} names (or ids) it stops adding; it keeps at most 64 lists (the
 * last one met in each slot). One per decoding thread; not thread-safe.
 */
final class Vocabulary {

    private static final int LIMIT = 4096;

    private byte[][] nameBytes = new byte[64][];
    private String[] names = new String[64];
    private int nameCount;

    /**
     * The names of the entry decoded before, by their place in it: the entries of one step carry
     * the same processor name and metadata keys in the same order, so a name is usually found by one
     * comparison instead of a hash of its bytes and a probe.
     */
    private final byte[][] previousBytes = new byte[32][];
    private final String[] previous = new String[32];
    private int place;

    /** The metadata of the entry decoded before: the next entry's shares its keys if they are the same. */
    Map<String, Object> previousMetadata;

    /** Both halves of the id in slot i at 2i and 2i + 1: a probe touches one cache line, not two. */
    private long[] idBits = new long[128];
    private UUID[] ids = new UUID[64];
    private int idCount;

    /**
     * Completed-step lists seen lately, by a hash of their ids: a step of a flow is logged with the same
     * upstream processors in every session, so a log holds few distinct lists, each repeated many times.
     */
    private final List<UUID>[] completedLists = newListArray(64);

    @SuppressWarnings("unchecked")
    private static List<UUID>[] newListArray(int length) {
        return (List<UUID>[]) new List<?>[length];
    }

    /** Starts the names of the next entry. */
    void nextEntry() {
        place = 0;
    }

    /** The name in {@code bytes[from, from + length)}, decoded as UTF-8. */
    String name(byte[] bytes, int from, int length) {
        int at = place++;
        if (at >= previous.length) {
            return lookUp(bytes, from, length, -1);
        }
        byte[] known = previousBytes[at];
        if (known != null && Arrays.equals(known, 0, known.length, bytes, from, from + length)) {
            return previous[at];
        }
        return lookUp(bytes, from, length, at);
    }

    /** Finds or adds a name; remembers it at place {@code at} of this entry, if not negative. */
    private String lookUp(byte[] bytes, int from, int length, int at) {
        int mask = names.length - 1;
        int slot = nameSlot(bytes, from, length, mask);
        while (nameBytes[slot] != null) {
            if (Arrays.equals(nameBytes[slot], 0, nameBytes[slot].length, bytes, from, from + length)) {
                remember(at, nameBytes[slot], names[slot]);
                return names[slot];
            }
            slot = (slot + 1) & mask;
        }
        String name = new String(bytes, from, length, StandardCharsets.UTF_8);
        if (nameCount < LIMIT) {
            nameBytes[slot] = Arrays.copyOfRange(bytes, from, from + length);
            names[slot] = name;
            remember(at, nameBytes[slot], name);
            if (++nameCount * 2 > names.length) {
                growNames();
            }
        } else {
            remember(at, null, null);
        }
        return name;
    }

    private void remember(int at, byte[] bytes, String name) {
        if (at >= 0) {
            previousBytes[at] = bytes;
            previous[at] = name;
        }
    }

    UUID id(long high, long low) {
        int mask = ids.length - 1;
        int slot = idSlot(high, low, mask);
        while (ids[slot] != null) {
            if (idBits[2 * slot] == high && idBits[2 * slot + 1] == low) {
                return ids[slot];
            }
            slot = (slot + 1) & mask;
        }
        UUID id = new UUID(high, low);
        if (idCount < LIMIT) {
            idBits[2 * slot] = high;
            idBits[2 * slot + 1] = low;
            ids[slot] = id;
            if (++idCount * 2 > ids.length) {
                growIds();
            }
        }
        return id;
    }

    /**
     * The immutable list of {@code steps}: one decoded earlier if it held the same ids. Ids from this
     * vocabulary are shared objects, so a match is checked by identity; ids it no longer adds make new lists.
     */
    List<UUID> completedSteps(UUID[] steps) {
        if (steps.length == 0) {
            return List.of();
        }
        int hash = 0;
        for (UUID step : steps) {
            hash = 31 * hash + step.hashCode();
        }
        int slot = (hash ^ (hash >>> 16)) & (completedLists.length - 1);
        List<UUID> known = completedLists[slot];
        if (known != null && sameElements(known, steps)) {
            return known;
        }
        List<UUID> list = List.of(steps);
        completedLists[slot] = list;
        return list;
    }

    private static boolean sameElements(List<UUID> list, UUID[] steps) {
        if (list.size() != steps.length) {
            return false;
        }
        for (int i = 0; i < steps.length; i++) {
            if (list.get(i) != steps[i]) {
                return false;
            }
        }
        return true;
    }

    private static int nameSlot(byte[] bytes, int from, int length, int mask) {
        int hash = 1;
        for (int i = from; i < from + length; i++) {
            hash = 31 * hash + bytes[i];
        }
        return (hash ^ (hash >>> 16)) & mask;
    }

    private static int idSlot(long high, long low, int mask) {
        return (int) (((high ^ low) * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    private void growNames() {
        byte[][] oldBytes = nameBytes;
        String[] oldNames = names;
        nameBytes = new byte[oldBytes.length * 2][];
        names = new String[oldNames.length * 2];
        int mask = names.length - 1;
        for (int i = 0; i < oldBytes.length; i++) {
            if (oldBytes[i] != null) {
                int slot = nameSlot(oldBytes[i], 0, oldBytes[i].length, mask);
                while (nameBytes[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                nameBytes[slot] = oldBytes[i];
                names[slot] = oldNames[i];
            }
        }
    }

    private void growIds() {
        long[] oldBits = idBits;
        UUID[] oldIds = ids;
        idBits = new long[oldBits.length * 2];
        ids = new UUID[oldIds.length * 2];
        int mask = ids.length - 1;
        for (int i = 0; i < oldIds.length; i++) {
            if (oldIds[i] != null) {
                int slot = idSlot(oldBits[2 * i], oldBits[2 * i + 1], mask);
                while (ids[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                idBits[2 * slot] = oldBits[2 * i];
                idBits[2 * slot + 1] = oldBits[2 * i + 1];
                ids[slot] = oldIds[i];
            }
        }
    }
}
