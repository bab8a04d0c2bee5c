package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.Decimal;
import com.github.connectd.pluginhost.proto.ListValue;
import com.github.connectd.pluginhost.proto.MapValue;
import com.github.connectd.pluginhost.proto.SchemaType;
import com.github.connectd.pluginhost.proto.StructValue;
import com.github.connectd.pluginhost.proto.Value;
import com.google.protobuf.ByteString;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Connect data (Schema and value) to and from the protocol's Schema and Value. A value is
 * encoded by its Java class, so schemaless data keeps its types; decoding follows the schema
 * where there is one (a Struct needs it).
 */
final class DataCodec {
    private DataCodec() {}

    /**
     * The schemas of one batch: each distinct Schema object is sent once and records name it by
     * index + 1. Connectors reuse one Schema object for all their records, so identity is the cheap
     * and sufficient test.
     */
    static final class SchemaTable {
        private final IdentityHashMap<Schema, Integer> index = new IdentityHashMap<>();
        private final List<com.github.connectd.pluginhost.proto.Schema> schemas = new ArrayList<>();

        /** The reference of s in this table, 0 for null. */
        int ref(Schema s) {
            if (s == null) {
                return 0;
            }
            Integer i = index.get(s);
            if (i == null) {
                schemas.add(toProto(s));
                i = schemas.size();
                index.put(s, i);
            }
            return i;
        }

        List<com.github.connectd.pluginhost.proto.Schema> schemas() {
            return schemas;
        }
    }

    /** Decodes a batch's schema table; {@link #lookup} resolves a reference into it. */
    static List<Schema> fromProto(List<com.github.connectd.pluginhost.proto.Schema> table) {
        List<Schema> out = new ArrayList<>(table.size());
        for (com.github.connectd.pluginhost.proto.Schema s : table) {
            out.add(toSchema(s));
        }
        return out;
    }

    static Schema lookup(List<Schema> table, int ref) {
        if (ref == 0) {
            return null;
        }
        if (ref > table.size()) {
            throw new DataException("schema reference " + ref + " beyond the batch's " + table.size() + " schemas");
        }
        return table.get(ref - 1);
    }

    static com.github.connectd.pluginhost.proto.Schema toProto(Schema s) {
        com.github.connectd.pluginhost.proto.Schema.Builder b = com.github.connectd.pluginhost.proto.Schema.newBuilder()
                .setType(typeOf(s.type()))
                .setOptional(s.isOptional());
        if (s.name() != null) {
            b.setName(s.name());
        }
        if (s.version() != null) {
            b.setVersion(s.version());
        }
        if (s.doc() != null) {
            b.setDoc(s.doc());
        }
        if (s.parameters() != null) {
            b.putAllParameters(s.parameters());
        }
        if (s.defaultValue() != null) {
            b.setDefaultValue(toProto(s.defaultValue()));
        }
        switch (s.type()) {
            case STRUCT -> {
                for (Field f : s.fields()) {
                    b.addFields(com.github.connectd.pluginhost.proto.Field.newBuilder()
                            .setName(f.name()).setSchema(toProto(f.schema())));
                }
            }
            case ARRAY -> b.setValueSchema(toProto(s.valueSchema()));
            case MAP -> b.setKeySchema(toProto(s.keySchema())).setValueSchema(toProto(s.valueSchema()));
            default -> {}
        }
        return b.build();
    }

    static Schema toSchema(com.github.connectd.pluginhost.proto.Schema s) {
        SchemaBuilder b = switch (s.getType()) {
            case SCHEMA_TYPE_INT8 -> SchemaBuilder.int8();
            case SCHEMA_TYPE_INT16 -> SchemaBuilder.int16();
            case SCHEMA_TYPE_INT32 -> SchemaBuilder.int32();
            case SCHEMA_TYPE_INT64 -> SchemaBuilder.int64();
            case SCHEMA_TYPE_FLOAT32 -> SchemaBuilder.float32();
            case SCHEMA_TYPE_FLOAT64 -> SchemaBuilder.float64();
            case SCHEMA_TYPE_BOOLEAN -> SchemaBuilder.bool();
            case SCHEMA_TYPE_STRING -> SchemaBuilder.string();
            case SCHEMA_TYPE_BYTES -> SchemaBuilder.bytes();
            case SCHEMA_TYPE_ARRAY -> SchemaBuilder.array(toSchema(s.getValueSchema()));
            case SCHEMA_TYPE_MAP -> SchemaBuilder.map(toSchema(s.getKeySchema()), toSchema(s.getValueSchema()));
            case SCHEMA_TYPE_STRUCT -> {
                SchemaBuilder sb = SchemaBuilder.struct();
                for (com.github.connectd.pluginhost.proto.Field f : s.getFieldsList()) {
                    sb.field(f.getName(), toSchema(f.getSchema()));
                }
                yield sb;
            }
            default -> throw new DataException("schema of unknown type " + s.getType());
        };
        if (s.getOptional()) {
            b.optional();
        }
        if (!s.getName().isEmpty()) {
            b.name(s.getName());
        }
        if (s.hasVersion()) {
            b.version(s.getVersion());
        }
        if (!s.getDoc().isEmpty()) {
            b.doc(s.getDoc());
        }
        if (s.getParametersCount() > 0) {
            b.parameters(new LinkedHashMap<>(s.getParametersMap()));
        }
        if (s.hasDefaultValue()) {
            b.defaultValue(toJava(s.getDefaultValue(), b));
        }
        return b.build();
    }

    private static SchemaType typeOf(Schema.Type t) {
        return switch (t) {
            case INT8 -> SchemaType.SCHEMA_TYPE_INT8;
            case INT16 -> SchemaType.SCHEMA_TYPE_INT16;
            case INT32 -> SchemaType.SCHEMA_TYPE_INT32;
            case INT64 -> SchemaType.SCHEMA_TYPE_INT64;
            case FLOAT32 -> SchemaType.SCHEMA_TYPE_FLOAT32;
            case FLOAT64 -> SchemaType.SCHEMA_TYPE_FLOAT64;
            case BOOLEAN -> SchemaType.SCHEMA_TYPE_BOOLEAN;
            case STRING -> SchemaType.SCHEMA_TYPE_STRING;
            case BYTES -> SchemaType.SCHEMA_TYPE_BYTES;
            case ARRAY -> SchemaType.SCHEMA_TYPE_ARRAY;
            case MAP -> SchemaType.SCHEMA_TYPE_MAP;
            case STRUCT -> SchemaType.SCHEMA_TYPE_STRUCT;
        };
    }

    /** Encodes a Connect value by its Java class; null is an unset Value. */
    static Value toProto(Object o) {
        Value.Builder b = Value.newBuilder();
        if (o == null) {
            return b.build();
        } else if (o instanceof Boolean v) {
            b.setBoolValue(v);
        } else if (o instanceof Byte v) {
            b.setInt8Value(v);
        } else if (o instanceof Short v) {
            b.setInt16Value(v);
        } else if (o instanceof Integer v) {
            b.setInt32Value(v);
        } else if (o instanceof Long v) {
            b.setInt64Value(v);
        } else if (o instanceof Float v) {
            b.setFloat32Value(v);
        } else if (o instanceof Double v) {
            b.setFloat64Value(v);
        } else if (o instanceof String v) {
            // Encoded here with the JDK's intrinsic UTF-8 encoder: set as a String, protobuf
            // would measure and encode it char by char, twice (size, then write).
            b.setStringValueBytes(ByteString.copyFromUtf8(v));
        } else if (o instanceof byte[] v) {
            b.setBytesValue(ByteString.copyFrom(v));
        } else if (o instanceof ByteBuffer v) {
            b.setBytesValue(ByteString.copyFrom(v.duplicate()));
        } else if (o instanceof BigDecimal v) {
            b.setDecimalValue(Decimal.newBuilder()
                    .setUnscaled(ByteString.copyFrom(v.unscaledValue().toByteArray())).setScale(v.scale()));
        } else if (o instanceof java.util.Date v) {
            b.setDateValue(v.getTime());
        } else if (o instanceof Struct v) {
            StructValue.Builder sv = StructValue.newBuilder();
            for (Field f : v.schema().fields()) {
                sv.addValues(toProto(v.getWithoutDefault(f.name())));
            }
            b.setStructValue(sv);
        } else if (o instanceof Collection<?> v) {
            ListValue.Builder lv = ListValue.newBuilder();
            for (Object item : v) {
                lv.addItems(toProto(item));
            }
            b.setArrayValue(lv);
        } else if (o instanceof Map<?, ?> v) {
            MapValue.Builder mv = MapValue.newBuilder();
            for (Map.Entry<?, ?> e : v.entrySet()) {
                mv.addKeys(toProto(e.getKey()));
                mv.addValues(toProto(e.getValue()));
            }
            b.setMapValue(mv);
        } else {
            throw new DataException("a Connect value cannot be a " + o.getClass().getName());
        }
        return b.build();
    }

    /** Decodes a value; schema (null for schemaless) gives structs their schema. */
    static Object toJava(Value v, Schema schema) {
        return switch (v.getKindCase()) {
            case KIND_NOT_SET -> null;
            case BOOL_VALUE -> v.getBoolValue();
            case INT8_VALUE -> (byte) v.getInt8Value();
            case INT16_VALUE -> (short) v.getInt16Value();
            case INT32_VALUE -> v.getInt32Value();
            case INT64_VALUE -> v.getInt64Value();
            case FLOAT32_VALUE -> v.getFloat32Value();
            case FLOAT64_VALUE -> v.getFloat64Value();
            case STRING_VALUE -> v.getStringValue();
            case BYTES_VALUE -> v.getBytesValue().toByteArray();
            case DECIMAL_VALUE -> new BigDecimal(
                    new BigInteger(v.getDecimalValue().getUnscaled().toByteArray()), v.getDecimalValue().getScale());
            case DATE_VALUE -> new java.util.Date(v.getDateValue());
            case ARRAY_VALUE -> {
                Schema items = schema == null ? null : schema.valueSchema();
                List<Object> out = new ArrayList<>(v.getArrayValue().getItemsCount());
                for (Value item : v.getArrayValue().getItemsList()) {
                    out.add(toJava(item, items));
                }
                yield out;
            }
            case MAP_VALUE -> {
                Schema ks = schema == null ? null : schema.keySchema();
                Schema vs = schema == null ? null : schema.valueSchema();
                MapValue m = v.getMapValue();
                if (m.getKeysCount() != m.getValuesCount()) {
                    throw new DataException("map with " + m.getKeysCount() + " keys and " + m.getValuesCount() + " values");
                }
                Map<Object, Object> out = new LinkedHashMap<>();
                for (int i = 0; i < m.getKeysCount(); i++) {
                    out.put(toJava(m.getKeys(i), ks), toJava(m.getValues(i), vs));
                }
                yield out;
            }
            case STRUCT_VALUE -> {
                if (schema == null || schema.type() != Schema.Type.STRUCT) {
                    throw new DataException("a struct value needs a struct schema");
                }
                List<Field> fields = schema.fields();
                StructValue sv = v.getStructValue();
                if (sv.getValuesCount() != fields.size()) {
                    throw new DataException("struct with " + sv.getValuesCount() + " values for " + fields.size() + " fields");
                }
                Struct out = new Struct(schema);
                for (int i = 0; i < fields.size(); i++) {
                    out.put(fields.get(i), toJava(sv.getValues(i), fields.get(i).schema()));
                }
                yield out;
            }
        };
    }

    /** Decodes a source partition or offset: a map with string keys, or null. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> toStringMap(Value v) {
        Object o = toJava(v, null);
        if (o == null) {
            return null;
        }
        if (!(o instanceof Map)) {
            throw new DataException("expected a map, got " + o.getClass().getName());
        }
        return (Map<String, Object>) o;
    }
}
