package com.github.connectd.pluginhost;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IsolationTest {
    @ParameterizedTest(name = "{0} isolated={1}")
    @CsvSource({
        "java.lang.String, false",
        "javax.net.ssl.SSLContext, false",
        "org.slf4j.Logger, false",
        "org.apache.kafka.common.config.ConfigDef, false",
        "org.apache.kafka.clients.producer.RecordMetadata, false",
        "org.apache.kafka.connect.source.SourceConnector, false",
        "org.apache.kafka.connect.data.Struct, false",
        "org.apache.kafka.connect.storage.Converter, false",
        "org.apache.kafka.connect.storage.StringConverter, true",
        "org.apache.kafka.connect.storage.StringConverterConfig, true",
        "org.apache.kafka.connect.storage.SimpleHeaderConverter, true",
        "org.apache.kafka.connect.transforms.Transformation, false",
        "org.apache.kafka.connect.transforms.predicates.Predicate, false",
        "org.apache.kafka.connect.transforms.Cast, true",
        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches, true",
        "org.apache.kafka.connect.file.FileStreamSourceConnector, true",
        "org.apache.kafka.connect.mirror.MirrorSourceConnector, true",
        "org.apache.kafka.connect.json.JsonConverter, true",
        "org.apache.kafka.connect.converters.ByteArrayConverter, true",
        // Kafka Connect 4.4 leaves these to its parent and cannot create them from plugin.path.
        "org.apache.kafka.connect.tools.VerifiableSourceConnector, true",
        "io.debezium.connector.postgresql.PostgresConnector, true",
        "com.google.protobuf.Message, true",
    })
    void loadInIsolation(String name, boolean isolated) {
        assertEquals(isolated, Isolation.loadInIsolation(name));
    }
}
