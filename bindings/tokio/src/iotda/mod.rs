//! IoTDA (in progress).
