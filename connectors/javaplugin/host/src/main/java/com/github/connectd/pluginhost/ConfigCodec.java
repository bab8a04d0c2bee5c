package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.ConfigDefinition;
import com.github.connectd.pluginhost.proto.ConfigKey;
import com.github.connectd.pluginhost.proto.ConfigValue;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;

/** A plugin's ConfigDef and validate() results in the protocol's terms, as Kafka's REST layer renders them. */
final class ConfigCodec {
    private ConfigCodec() {}

    static ConfigDefinition toProto(ConfigDef def) {
        ConfigDefinition.Builder out = ConfigDefinition.newBuilder();
        if (def == null) {
            return out.build();
        }
        for (ConfigDef.ConfigKey k : def.configKeys().values()) {
            ConfigKey.Builder b = ConfigKey.newBuilder()
                    .setName(k.name)
                    .setType(k.type.name())
                    .setHasDefault(k.hasDefault())
                    .setRequired(!k.hasDefault())
                    .setImportance(k.importance == null ? "" : k.importance.name())
                    .setDocumentation(k.documentation == null ? "" : k.documentation)
                    .setGroup(k.group == null ? "" : k.group)
                    .setOrderInGroup(k.orderInGroup)
                    .setWidth(k.width == null ? "" : k.width.name())
                    .setDisplayName(k.displayName == null ? "" : k.displayName)
                    .addAllDependents(k.dependents == null ? List.of() : k.dependents)
                    .setValidator(k.validator == null ? "" : k.validator.toString());
            if (k.hasDefault() && k.defaultValue != null) {
                b.setDefaultValue(ConfigDef.convertToString(k.defaultValue, k.type));
            } else if (k.hasDefault()) {
                b.setNullDefault(true);
            }
            out.addKeys(b);
        }
        return out.build();
    }

    /** One ConfigValue, its value and recommendations rendered with the key's type when def has the key. */
    static ConfigValue toProto(org.apache.kafka.common.config.ConfigValue v, ConfigDef def) {
        ConfigDef.ConfigKey key = def == null ? null : def.configKeys().get(v.name());
        ConfigValue.Builder b = ConfigValue.newBuilder()
                .setName(v.name())
                .addAllErrors(v.errorMessages())
                .setVisible(v.visible());
        if (v.value() != null) {
            b.setHasValue(true).setValue(render(v.value(), key));
        }
        for (Object r : v.recommendedValues()) {
            b.addRecommendedValues(render(r, key));
        }
        return b.build();
    }

    private static String render(Object value, ConfigDef.ConfigKey key) {
        return key != null ? ConfigDef.convertToString(value, key.type) : String.valueOf(value);
    }
}
