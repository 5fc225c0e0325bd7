// swift-tools-version:5.7
// The Swift package of the iotmqtt uniffi binding, laid out by `make swift` in
// target/uniffi/swift/IotMqtt. Not compiled on the project's machines (no Swift toolchain there);
// see bindings/uniffi/README.md for what is checked and for the XCFramework recipe.
import PackageDescription

let package = Package(
    name: "IotMqtt",
    products: [
        .library(name: "IotMqtt", targets: ["IotMqtt"]),
    ],
    targets: [
        // The C module uniffi generates (IotMqttFFI.h + module.modulemap); its modulemap links
        // libiotmqtt_uniffi. For an app, replace it with
        // .binaryTarget(name: "IotMqttFFI", path: "IotMqttFFI.xcframework").
        .systemLibrary(name: "IotMqttFFI", path: "Sources/IotMqttFFI"),
        .target(
            name: "IotMqtt",
            dependencies: ["IotMqttFFI"],
            path: "Sources/IotMqtt",
            linkerSettings: [
                // Where `cargo build -p iotmqtt-uniffi` puts libiotmqtt_uniffi.{so,dylib}.
                .unsafeFlags(["-L../../../debug"]),
            ]
        ),
    ]
)
