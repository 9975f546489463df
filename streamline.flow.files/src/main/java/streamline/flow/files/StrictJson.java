package streamline.flow.files;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;

import streamline.api.flow.FlowGraph;

/** Jackson as the flow JSON needs it: no coercion of any field, exact numbers, lists bounded as they are read. */
final class StrictJson {

    private StrictJson() {
    }

    /** A mapper that refuses what the flow model would otherwise coerce, duplicate keys, and nesting past {@code maxDepth}. */
    static ObjectMapper mapper(int maxDepth) {
        return strict(JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
                        // two values for one key would silently keep the last (two "executable" keys, one of them unseen)
                        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                        .build())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                // a decimal read as a double loses digits (12345678901234567.89) or becomes Infinity (1e400)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .build());
    }

    /** Turns every coercion off: a field gets a value of its own type or the file is refused. */
    private static ObjectMapper strict(ObjectMapper mapper) {
        mapper.coercionConfigDefaults().setAcceptBlankAsEmpty(false)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        for (LogicalType type : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean, LogicalType.Textual)) {
            for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                    CoercionInputShape.Boolean, CoercionInputShape.String, CoercionInputShape.EmptyString)) {
                boolean natural = (type == LogicalType.Integer && shape == CoercionInputShape.Integer)
                        || (type == LogicalType.Float && (shape == CoercionInputShape.Float || shape == CoercionInputShape.Integer))
                        || (type == LogicalType.Boolean && shape == CoercionInputShape.Boolean)
                        || (type == LogicalType.Textual && shape == CoercionInputShape.String);
                if (!natural) {
                    mapper.coercionConfigFor(type).setCoercion(shape, CoercionAction.Fail);
                }
            }
        }
        return mapper;
    }

    /** Reads a list element by element and refuses it past {@link FlowGraph#MAX_PROCESSORS}, before more is built. */
    abstract static class BoundedList<T> extends StdDeserializer<List<T>> {
        private static final long serialVersionUID = 1L;
        private final Class<T> type;
        private final String what;

        BoundedList(Class<T> type, String what) {
            super(List.class);
            this.type = type;
            this.what = what;
        }

        @Override
        public List<T> deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            if (!parser.isExpectedStartArrayToken()) {
                throw JsonMappingException.from(parser, "expected a list of " + what + ", found " + parser.currentToken());
            }
            List<T> items = new ArrayList<>();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                if (items.size() == FlowGraph.MAX_PROCESSORS) {
                    throw JsonMappingException.from(parser, "more than " + FlowGraph.MAX_PROCESSORS + " " + what + " (the limit per flow)");
                }
                if (parser.currentToken() == JsonToken.VALUE_NULL) {
                    throw JsonMappingException.wrapWithPath(JsonMappingException.from(parser, "null is not a value"), items, items.size());
                }
                try {
                    items.add(context.readValue(parser, type));
                } catch (JsonMappingException e) {
                    throw JsonMappingException.wrapWithPath(e, items, items.size());
                }
            }
            return items;
        }
    }
}
