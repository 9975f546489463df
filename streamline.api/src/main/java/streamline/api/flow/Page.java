package streamline.api.flow;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param items the items of this page
 * @param request the page asked for
 * @param total how many items the whole listing has
 */
public record Page<T>(List<T> items, PageRequest request, long total) {
    public Page {
        items = List.copyOf(items);
    }

    /** Whether a later page has items. */
    public boolean hasNext() {
        return request.offset() + items.size() < total;
    }
}
