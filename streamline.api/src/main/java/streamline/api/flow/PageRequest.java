package streamline.api.flow;

/**
 * One page of a listing.
 *
 * @param page the page number, starting at 0
 * @param size the number of items per page, 1 to {@value #MAX_SIZE}
 */
public record PageRequest(int page, int size) {
    public static final int MAX_SIZE = 10_000;

    public PageRequest {
        if (page < 0) {
            throw new IllegalArgumentException("page must be >= 0, was " + page);
        }
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("page size must be between 1 and " + MAX_SIZE + ", was " + size);
        }
    }

    /** The index of the first item of this page. */
    public long offset() {
        return (long) page * size;
    }
}
