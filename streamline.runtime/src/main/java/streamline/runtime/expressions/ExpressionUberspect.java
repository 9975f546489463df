package streamline.runtime.expressions;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

import org.apache.commons.jexl3.JexlArithmetic;
import org.apache.commons.jexl3.JexlEngine;
import org.apache.commons.jexl3.JexlOperator;
import org.apache.commons.jexl3.introspection.JexlMethod;
import org.apache.commons.jexl3.introspection.JexlPropertyGet;
import org.apache.commons.jexl3.introspection.JexlPropertySet;
import org.apache.commons.jexl3.introspection.JexlUberspect;

/**
 * What an expression can reach besides its variables: the keys of maps, the indexes of lists, and the helper
 * functions of {@link ExpressionFunctions} by name. Nothing else: no getter, field or method of any object (so
 * {@code order.class} and {@code order.empty} read the keys {@code class} and {@code empty}, never
 * {@code getClass()} or {@code isEmpty()}), no {@code Object} method of the helpers ({@code getClass()},
 * {@code hashCode()}), no class by name ({@code instanceof 'java.lang.String'}), no constructor, no assignment.
 * A key or index that is not there is an error naming it, wherever it is read.
 */
final class ExpressionUberspect implements JexlUberspect {

    /** The helpers an expression may call. */
    static final Set<String> FUNCTIONS = Set.of("uuid", "random", "env", "getEnv", "getState", "setState");

    /** For JEXL's own introspection: it resolves no property; this class reads map keys and list indexes itself. */
    static final ResolverStrategy STRATEGY = (operator, object) -> List.of();

    private final JexlUberspect delegate;
    private final Supplier<ExpressionBudget> budget;
    private final PropertyResolver keys;
    private final PropertyResolver indexes;

    /**
     * @param delegate JEXL's introspection, built with {@link #STRATEGY} (and its permissions and sandbox)
     * @param budget the budget of the evaluation running on the calling thread, where a missing key is noted
     */
    ExpressionUberspect(JexlUberspect delegate, Supplier<ExpressionBudget> budget) {
        this.delegate = delegate;
        this.budget = budget;
        this.keys = new Reader(true, budget);
        this.indexes = new Reader(false, budget);
    }

    private List<PropertyResolver> resolvers(Object object) {
        return object instanceof Map<?, ?> ? List.of(keys) : object instanceof List<?> ? List.of(indexes) : List.of();
    }

    @Override
    public List<PropertyResolver> getResolvers(JexlOperator operator, Object object) {
        return resolvers(object);
    }

    @Override
    public JexlPropertyGet getPropertyGet(Object object, Object identifier) {
        return getPropertyGet(resolvers(object), object, identifier);
    }

    @Override
    public JexlPropertyGet getPropertyGet(List<PropertyResolver> resolvers, Object object, Object identifier) {
        for (PropertyResolver resolver : resolvers(object)) {
            JexlPropertyGet get = resolver.getPropertyGet(this, object, identifier);
            if (get != null) {
                return get;
            }
        }
        return null;
    }

    @Override
    public JexlPropertySet getPropertySet(Object object, Object identifier, Object value) {
        return null;
    }

    @Override
    public JexlPropertySet getPropertySet(List<PropertyResolver> resolvers, Object object, Object identifier, Object value) {
        return null;
    }

    @Override
    public JexlMethod getMethod(Object object, String name, Object... arguments) {
        return object instanceof ExpressionFunctions && FUNCTIONS.contains(name) ? delegate.getMethod(object, name, arguments) : null;
    }

    @Override
    public JexlMethod getConstructor(Object constructor, Object... arguments) {
        return null;
    }

    @Override
    public Class<?> getClassByName(String className) {
        throw new SecurityException("expressions cannot reach Java classes ('" + className + "')");
    }

    @Override
    public Iterator<?> getIterator(Object object) {
        return null; // loops are not part of the language expressions use
    }

    @Override
    public JexlArithmetic.Uberspect getArithmetic(JexlArithmetic arithmetic) {
        return delegate.getArithmetic(arithmetic);
    }

    @Override
    public ClassLoader getClassLoader() {
        return delegate.getClassLoader();
    }

    @Override
    public void setClassLoader(ClassLoader loader) {
        // the class loader of the expression library stays as it is
    }

    @Override
    public int getVersion() {
        return delegate.getVersion();
    }

    private static MissingKeyException missing(Supplier<ExpressionBudget> budget, String description) {
        budget.get().missing(description);
        return new MissingKeyException(description);
    }

    /** A key that is not in the map it is read from; its message names it. */
    static final class MissingKeyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MissingKeyException(String message) {
            super(message);
        }
    }

    /** Resolves reads of map keys ({@code maps}) or of list indexes; never a write. */
    private record Reader(boolean maps, Supplier<ExpressionBudget> budget) implements PropertyResolver {
        @Override
        public JexlPropertyGet getPropertyGet(JexlUberspect uberspect, Object object, Object identifier) {
            if (maps) {
                return object instanceof Map<?, ?> ? new KeyGet(identifier, budget) : null;
            }
            return object instanceof List<?> ? new IndexGet(identifier, budget) : null;
        }

        @Override
        public JexlPropertySet getPropertySet(JexlUberspect uberspect, Object object, Object identifier, Object value) {
            return null;
        }
    }

    /** Reads one key of a map; a missing key is an error naming it. */
    private record KeyGet(Object key, Supplier<ExpressionBudget> budget) implements JexlPropertyGet {
        @Override
        public Object invoke(Object object) {
            Map<?, ?> map = (Map<?, ?>) object;
            Object value = map.get(key);
            if (value == null && !map.containsKey(key)) {
                throw missing(budget, "no key '" + key + "'" + (map.isEmpty() ? " (the map is empty)" : ""));
            }
            return value;
        }

        @Override
        public Object tryInvoke(Object object, Object identifier) {
            return object instanceof Map<?, ?> && Objects.equals(key, identifier) ? invoke(object) : JexlEngine.TRY_FAILED;
        }

        @Override
        public boolean tryFailed(Object value) {
            return value == JexlEngine.TRY_FAILED;
        }

        @Override
        public boolean isCacheable() {
            return true;
        }
    }

    /** Reads one index of a list; an index outside it is an error naming it. */
    private record IndexGet(Object index, Supplier<ExpressionBudget> budget) implements JexlPropertyGet {
        @Override
        public Object invoke(Object object) {
            List<?> list = (List<?>) object;
            long at;
            if (index instanceof Number number && number.doubleValue() == number.longValue()) {
                at = number.longValue();
            } else {
                Integer parsed = index instanceof String text ? JexlArithmetic.parseIdentifier(text) : null;
                if (parsed == null) {
                    throw missing(budget, "a list has no key '" + index + "': it is read by index");
                }
                at = parsed;
            }
            if (at < 0 || at >= list.size()) {
                throw missing(budget, "no index " + index + " in a list of " + list.size());
            }
            return list.get((int) at);
        }

        @Override
        public Object tryInvoke(Object object, Object identifier) {
            return object instanceof List<?> && Objects.equals(index, identifier) ? invoke(object) : JexlEngine.TRY_FAILED;
        }

        @Override
        public boolean tryFailed(Object value) {
            return value == JexlEngine.TRY_FAILED;
        }

        @Override
        public boolean isCacheable() {
            return true;
        }
    }
}
