//! Converts between ECS SDK types and AWS's own JSON shape, with the SDK's schema-driven
//! JSON codec (the same one it uses on the wire). Task definitions and services are
//! compared and displayed as AWS JSON, the shape the manifest uses; the SDK types are only
//! the transport.

use super::AwsError;
use aws_smithy_json::codec::JsonCodec;
use aws_smithy_schema::codec::Codec;
use aws_smithy_schema::serde::{
    SerdeError, SerializableStruct, ShapeDeserializer, ShapeSerializer,
};
use serde_json::Value;

/// An SDK structure as AWS JSON (camelCase members, as the API documents it).
pub fn to_json(value: &dyn SerializableStruct) -> Value {
    let codec = JsonCodec::default();
    let mut serializer = codec.create_serializer();
    match serializer.write_struct(value.schema(), value) {
        Ok(()) => serde_json::from_slice(&serializer.finish()).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

/// An SDK structure from AWS JSON, through the structure's generated `deserialize`.
pub fn from_json<T>(
    value: &Value,
    deserialize: fn(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>,
    what: &str,
) -> Result<T, AwsError> {
    let text = serde_json::to_vec(value).map_err(|e| AwsError::new(e.to_string()))?;
    let codec = JsonCodec::default();
    let mut deserializer = codec.create_deserializer(&text);
    deserialize(&mut deserializer)
        .map_err(|e| AwsError::new(format!("cannot encode the {what} for ECS: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionInput;
    use serde_json::json;

    #[test]
    fn a_task_definition_round_trips_through_the_sdk_types() {
        let input = json!({
            "family": "web",
            "cpu": "256",
            "memory": "512",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "containerDefinitions": [{
                "name": "web",
                "image": "nginx:1.27",
                "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/web", "Mixed_Case": "kept"}},
                "dockerLabels": {"com.example.team": "shop"}
            }]
        });
        let typed = from_json(
            &input,
            RegisterTaskDefinitionInput::deserialize,
            "task definition",
        )
        .expect("decodes");
        assert_eq!(typed.family(), Some("web"));
        let back = to_json(&typed);
        assert_eq!(
            back["containerDefinitions"][0]["logConfiguration"]["options"]["Mixed_Case"],
            "kept"
        );
        assert_eq!(
            back["containerDefinitions"][0]["dockerLabels"]["com.example.team"],
            "shop"
        );
        assert_eq!(back["requiresCompatibilities"], json!(["FARGATE"]));
    }
}
