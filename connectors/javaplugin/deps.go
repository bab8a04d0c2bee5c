package javaplugin

import "github.com/connectd/connectd/connectors/javaplugin/mavenrepo"

// hostDeps are the plugin host's runtime classpath for each Kafka version whose list connectd
// pins: exactly what Maven resolves for host/pom.xml with -Dkafka.version=V (TestHostDepsMatchPom
// keeps them equal), with each jar's SHA-256 as published on Maven Central. A worker fetches
// them itself, so that building the host needs no Maven; a Kafka version not listed here is
// built with Maven (Config.Maven), which resolves it.
var hostDeps = map[string][]mavenrepo.Artifact{
	"4.3.1": {
		{Group: "org.apache.kafka", Name: "connect-api", Version: "4.3.1", SHA256: "5ce6158d453d2d84ab3509260fff872c67fb532a51519da6acafc6835bc48cfe"},
		{Group: "jakarta.ws.rs", Name: "jakarta.ws.rs-api", Version: "3.1.0", SHA256: "6b3b3628b8b4aedda0d24c3354335e985497d8ef3c510b8f3028e920d5b8663d"},
		{Group: "org.apache.kafka", Name: "kafka-clients", Version: "4.3.1", SHA256: "52501b7b47510c66f898871adaf6d2968ab7246561d44ced43643a8a587f0b36"},
		{Group: "com.github.luben", Name: "zstd-jni", Version: "1.5.6-10", SHA256: "b6c3237e24b8252a5a9c3a0e1ae30ef8f323412e74bd358548b7a9e527d676df"},
		{Group: "at.yawk.lz4", Name: "lz4-java", Version: "1.10.2", SHA256: "252dabd586d22149a31661a8afc1a50747714eb1a298bd4a6e780c8c91a13866"},
		{Group: "org.xerial.snappy", Name: "snappy-java", Version: "1.1.10.7", SHA256: "4c766cb3f855415ee734b2392949a0b6f12a60879334a74518deaf6270d32e36"},
		{Group: "org.apache.kafka", Name: "connect-transforms", Version: "4.3.1", SHA256: "060bb300977304b53f9aebe79a3298c06a3d4240cb58b01e06eaa75abf4168eb"},
		{Group: "org.apache.kafka", Name: "connect-json", Version: "4.3.1", SHA256: "ebd6d4900eb6835f30c6ce74b5f6d4a4fdc19e0a4a1de8da2f4463ea3ef20e41"},
		{Group: "com.fasterxml.jackson.core", Name: "jackson-databind", Version: "2.21.2", SHA256: "8c982f01f148d805f0aaac2339011244757e0df7c6ff8951f2fa3f433b8ed849"},
		{Group: "com.fasterxml.jackson.core", Name: "jackson-annotations", Version: "2.21", SHA256: "53ca085f4a150f703f49e1aabd935bd03b43e1ea3d55d135438292af22cef56b"},
		{Group: "com.fasterxml.jackson.core", Name: "jackson-core", Version: "2.21.2", SHA256: "12e8655b100267b44d0f14d01b1f5082a5105e616174dc4307be1a761e92407b"},
		{Group: "com.fasterxml.jackson.datatype", Name: "jackson-datatype-jdk8", Version: "2.21.2", SHA256: "e581bbf3fc5622d16b57366dd41e10fc56921fb202879de2ef487f87dd9b30e7"},
		{Group: "com.fasterxml.jackson.module", Name: "jackson-module-blackbird", Version: "2.21.2", SHA256: "5ed62cdcd357a24b73de9280e167aa014d7b4c17d04823844d482274cf07097e"},
		{Group: "com.google.protobuf", Name: "protobuf-java", Version: "4.33.5", SHA256: "cb9e00d6e3d4b1305f3fdc147490ce347bfe8c05dc821a433b23b2ff28749bb1"},
		{Group: "org.slf4j", Name: "slf4j-api", Version: "1.7.36", SHA256: "d3ef575e3e4979678dc01bf1dcce51021493b4d11fb7f1be8ad982877c16a1c0"},
		{Group: "org.slf4j", Name: "slf4j-simple", Version: "1.7.36", SHA256: "2f39bed943d624dfa8f4102d0571283a10870b6aa36f197a8a506f147010c10f"},
	},
	"4.4.0": {
		{Group: "org.apache.kafka", Name: "connect-api", Version: "4.4.0", SHA256: "1f13c2617cb3ff39924a6d7a1265b3582b09f35c146c1547b38ebd308c8b61eb"},
		{Group: "jakarta.ws.rs", Name: "jakarta.ws.rs-api", Version: "3.1.0", SHA256: "6b3b3628b8b4aedda0d24c3354335e985497d8ef3c510b8f3028e920d5b8663d"},
		{Group: "org.apache.kafka", Name: "kafka-clients", Version: "4.4.0", SHA256: "1ab07317eb6633241392449d329dbdc5d9251e6ffc4926860f42dd966e88bdf9"},
		{Group: "com.github.luben", Name: "zstd-jni", Version: "1.5.7-17", SHA256: "c9043e2da8a16c13b6cd7661a5cb56685a573c3546ef4bd0ead67b0b67c2e107"},
		{Group: "at.yawk.lz4", Name: "lz4-java", Version: "1.11.2", SHA256: "8a7458657938e9b692224db83aac458c13abd7a59ab75c3d3b08bd2233a646a2"},
		{Group: "org.xerial.snappy", Name: "snappy-java", Version: "1.1.10.7", SHA256: "4c766cb3f855415ee734b2392949a0b6f12a60879334a74518deaf6270d32e36"},
		{Group: "org.apache.kafka", Name: "connect-transforms", Version: "4.4.0", SHA256: "d35aca9af5eada32721f751a2d7c53f0ef0eb9ae6bef839250f4b0a9064da4fb"},
		{Group: "org.apache.kafka", Name: "connect-json", Version: "4.4.0", SHA256: "0136d64e5cc05c1597e0dccbba8da83857809f5eb696e24ce1764bf4238646b2"},
		{Group: "com.fasterxml.jackson.core", Name: "jackson-databind", Version: "2.21.7", SHA256: "1290c2795e93e8a6861a6c4d9ff0d844d32f5ea178362cb2721edf5561e828b1"},
		{Group: "com.fasterxml.jackson.core", Name: "jackson-annotations", Version: "2.21", SHA256: "53ca085f4a150f703f49e1aabd935bd03b43e1ea3d55d135438292af22cef56b"},
		{Group: "com.fasterxml.jackson.core", Name: "jackson-core", Version: "2.21.7", SHA256: "8c5623b98f32d5f7e1287ff61ed50e08ab7b11381e991fff89327faabba42261"},
		{Group: "com.fasterxml.jackson.module", Name: "jackson-module-blackbird", Version: "2.21.7", SHA256: "b41fb816cbaa5f2393136cf1c525e0d9a9f9bcea14207a09e8e703df53351596"},
		{Group: "com.google.protobuf", Name: "protobuf-java", Version: "4.33.5", SHA256: "cb9e00d6e3d4b1305f3fdc147490ce347bfe8c05dc821a433b23b2ff28749bb1"},
		{Group: "org.slf4j", Name: "slf4j-api", Version: "1.7.36", SHA256: "d3ef575e3e4979678dc01bf1dcce51021493b4d11fb7f1be8ad982877c16a1c0"},
		{Group: "org.slf4j", Name: "slf4j-simple", Version: "1.7.36", SHA256: "2f39bed943d624dfa8f4102d0571283a10870b6aa36f197a8a506f147010c10f"},
	},
}

// ecj is the Eclipse compiler for Java, which compiles the host where the Java that runs it has
// no javac (a JRE): it runs on Java 17 and later.
var ecj = mavenrepo.Artifact{Group: "org.eclipse.jdt", Name: "ecj", Version: "3.46.100",
	SHA256: "74c93172475fee0cd4e6eefb44233516dd40525642da35d009146d97ea598229"}
