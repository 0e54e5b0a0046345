//! The CloudTrail table's columns, written once and used three ways: the `CREATE EXTERNAL
//! TABLE` of [`super::ddl`], the field names the struct-text reader expects
//! ([`super::struct_text`]), and the JSON names a result row is rebuilt into.
//!
//! The column list and types are those of the Athena User Guide's CloudTrail table, "Create
//! the table for CloudTrail logs in Athena using partition projection"
//! (<https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html>).
//! Athena's JSON SerDe matches keys without case, so each column is the lower-case CloudTrail
//! key; [`Field::json`] is the key as CloudTrail writes it
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>).

/// One column, or one field of a struct column.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The name in the table (lower case).
    pub name: &'static str,
    /// The key in a CloudTrail record.
    pub json: &'static str,
    /// The type.
    pub ty: Type,
}

/// A column's type, as the table declares it.
#[derive(Clone, Copy, Debug)]
pub enum Type {
    /// `STRING`.
    String,
    /// A string that holds a JSON document (`requestparameters`, ...): the SerDe gives the
    /// object's text.
    Json,
    /// `STRUCT<...>`.
    Struct(&'static [Field]),
    /// `ARRAY<STRUCT<...>>`.
    ArrayOf(&'static [Field]),
    /// `MAP<STRING,STRING>`.
    Map,
}

const fn f(name: &'static str, json: &'static str, ty: Type) -> Field {
    Field { name, json, ty }
}

const fn s(name: &'static str, json: &'static str) -> Field {
    f(name, json, Type::String)
}

/// `useridentity.onbehalfof`.
pub const ON_BEHALF_OF: &[Field] = &[
    s("userid", "userId"),
    s("identitystorearn", "identityStoreArn"),
];

/// `useridentity.sessioncontext.attributes`.
pub const ATTRIBUTES: &[Field] = &[
    s("mfaauthenticated", "mfaAuthenticated"),
    s("creationdate", "creationDate"),
];

/// `useridentity.sessioncontext.sessionissuer`.
pub const SESSION_ISSUER: &[Field] = &[
    s("type", "type"),
    s("principalid", "principalId"),
    s("arn", "arn"),
    s("accountid", "accountId"),
    s("username", "userName"),
];

/// `useridentity.sessioncontext.webidfederationdata`.
pub const WEB_ID_FEDERATION_DATA: &[Field] = &[
    s("federatedprovider", "federatedProvider"),
    f("attributes", "attributes", Type::Map),
];

/// `useridentity.sessioncontext`.
pub const SESSION_CONTEXT: &[Field] = &[
    f("attributes", "attributes", Type::Struct(ATTRIBUTES)),
    f(
        "sessionissuer",
        "sessionIssuer",
        Type::Struct(SESSION_ISSUER),
    ),
    s("ec2roledelivery", "ec2RoleDelivery"),
    f(
        "webidfederationdata",
        "webIdFederationData",
        Type::Struct(WEB_ID_FEDERATION_DATA),
    ),
];

/// `useridentity`.
pub const USER_IDENTITY: &[Field] = &[
    s("type", "type"),
    s("principalid", "principalId"),
    s("arn", "arn"),
    s("accountid", "accountId"),
    s("invokedby", "invokedBy"),
    s("accesskeyid", "accessKeyId"),
    s("username", "userName"),
    f("onbehalfof", "onBehalfOf", Type::Struct(ON_BEHALF_OF)),
    f(
        "sessioncontext",
        "sessionContext",
        Type::Struct(SESSION_CONTEXT),
    ),
];

/// One element of `resources`.
pub const RESOURCE: &[Field] = &[
    s("arn", "ARN"),
    s("accountid", "accountId"),
    s("type", "type"),
];

/// `addendum`.
pub const ADDENDUM: &[Field] = &[
    s("reason", "reason"),
    s("updatedfields", "updatedFields"),
    s("originalrequestid", "originalRequestID"),
    s("originaleventid", "originalEventID"),
];

/// `tlsdetails`.
pub const TLS_DETAILS: &[Field] = &[
    s("tlsversion", "tlsVersion"),
    s("ciphersuite", "cipherSuite"),
    s("clientprovidedhostheader", "clientProvidedHostHeader"),
];

/// The table's columns, in the order of the Athena User Guide's DDL.
pub const COLUMNS: &[Field] = &[
    s("eventversion", "eventVersion"),
    f("useridentity", "userIdentity", Type::Struct(USER_IDENTITY)),
    s("eventtime", "eventTime"),
    s("eventsource", "eventSource"),
    s("eventname", "eventName"),
    s("awsregion", "awsRegion"),
    s("sourceipaddress", "sourceIPAddress"),
    s("useragent", "userAgent"),
    s("errorcode", "errorCode"),
    s("errormessage", "errorMessage"),
    f("requestparameters", "requestParameters", Type::Json),
    f("responseelements", "responseElements", Type::Json),
    f("additionaleventdata", "additionalEventData", Type::Json),
    s("requestid", "requestID"),
    s("eventid", "eventID"),
    s("readonly", "readOnly"),
    f("resources", "resources", Type::ArrayOf(RESOURCE)),
    s("eventtype", "eventType"),
    s("apiversion", "apiVersion"),
    s("recipientaccountid", "recipientAccountId"),
    f("serviceeventdetails", "serviceEventDetails", Type::Json),
    s("sharedeventid", "sharedEventID"),
    s("vpcendpointid", "vpcEndpointId"),
    s("vpcendpointaccountid", "vpcEndpointAccountId"),
    s("eventcategory", "eventCategory"),
    f("addendum", "addendum", Type::Struct(ADDENDUM)),
    s(
        "sessioncredentialfromconsole",
        "sessionCredentialFromConsole",
    ),
    f("edgedevicedetails", "edgeDeviceDetails", Type::Json),
    f("tlsdetails", "tlsDetails", Type::Struct(TLS_DETAILS)),
];

/// The field named `name` (without case) among `fields`.
pub fn field<'a>(fields: &'a [Field], name: &str) -> Option<&'a Field> {
    fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// The fields along a dotted path of the table (`useridentity.sessioncontext.sessionissuer`,
/// `arn`): each step's [`Field`], or `None` when a step is not in the schema.
pub fn path(steps: &[&str]) -> Option<Vec<&'static Field>> {
    let mut fields = COLUMNS;
    let mut out = Vec::with_capacity(steps.len());
    for step in steps {
        let found = field(fields, step)?;
        out.push(found);
        fields = match found.ty {
            Type::Struct(inner) | Type::ArrayOf(inner) => inner,
            Type::String | Type::Json | Type::Map => &[],
        };
    }
    Some(out)
}
