"""A synthetic account snapshot for `who-can` and `can` (issue 22's sizes): 5,000 roles and
1,000 users, each with 5 of 3,000 customer managed policies and an inline policy, a third of
the roles with a permissions boundary, 50 groups; one SSE-KMS bucket `data` and its key.
Every 50th managed policy allows (and its last statement denies) `s3:GetObject` on the bucket
and `kms:Decrypt`.

    python3 bench/bulk/gen_snapshot.py OUT_DIR
"""
import sys
import json, os
OUT = sys.argv[1] if len(sys.argv) > 1 else "snap"
A="111122223333"; ROLES=5000; USERS=1000; POL=3000; GROUPS=50
def doc(i,v):
    st=[]
    for s in range(5):
        st.append({"Sid":f"S{s}","Effect":"Deny" if s==4 else "Allow","Action":[f"s3:Get{i}{s}*",f"sqs:Send{v}*"] if i%50 else ["s3:GetObject","kms:Decrypt"],
          "Resource":[f"arn:aws:s3:::bucket-{i}/{s}/*",f"arn:aws:sqs:eu-west-1:{A}:queue-{i}"] if i%50 else ["arn:aws:s3:::data/*","*"],
          "Condition":{"StringEquals":{"aws:PrincipalTag/team":f"team-{i%17}"}} if i%50 else {}})
        if not st[-1]["Condition"]: del st[-1]["Condition"]
    return {"Version":"2012-10-17","Statement":st}
arn=lambda i:f"arn:aws:iam::{A}:policy/generated/policy-{i}"
att=lambda seed,n:[{"PolicyName":f"policy-{(seed*7+k*13)%POL}","PolicyArn":arn((seed*7+k*13)%POL)} for k in range(n)]
users=[{"Path":"/","UserName":f"user-{i}","UserId":f"AIDA{i:017}","Arn":f"arn:aws:iam::{A}:user/user-{i}","UserPolicyList":[{"PolicyName":"inl","PolicyDocument":doc(i,1)}],"GroupList":[f"group-{i%GROUPS}"],"AttachedManagedPolicies":att(i,5),"Tags":[]} for i in range(USERS)]
groups=[{"Path":"/","GroupName":f"group-{i}","GroupId":f"AGPA{i:017}","Arn":f"arn:aws:iam::{A}:group/group-{i}","GroupPolicyList":[],"AttachedManagedPolicies":att(i+1000,2)} for i in range(GROUPS)]
roles=[{"Path":"/","RoleName":f"role-{i}","RoleId":f"AROA{i:017}","Arn":f"arn:aws:iam::{A}:role/role-{i}","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]},"InstanceProfileList":[],"RolePolicyList":[{"PolicyName":"inl","PolicyDocument":doc(i,1)}],"AttachedManagedPolicies":att(i+2000,5),**({"PermissionsBoundary":{"PermissionsBoundaryType":"Policy","PermissionsBoundaryArn":arn(i%10)}} if i%3==0 else {}),"Tags":[]} for i in range(ROLES)]
pols=[{"PolicyName":f"policy-{i}","PolicyId":f"ANPA{i:017}","Arn":arn(i),"Path":"/generated/","DefaultVersionId":"v1","AttachmentCount":1,"IsAttachable":True,"PolicyVersionList":[{"Document":doc(i,2),"VersionId":"v1","IsDefaultVersion":True}]} for i in range(POL)]
os.makedirs(OUT+"/iam",exist_ok=True); os.makedirs(OUT+"/sts",exist_ok=True); os.makedirs(OUT+"/s3/data",exist_ok=True); os.makedirs(OUT+"/kms/k1",exist_ok=True)
json.dump({"UserDetailList":users,"GroupDetailList":groups,"RoleDetailList":roles,"Policies":pols,"IsTruncated":False},open(OUT+"/iam/account-authorization-details.json","w"))
json.dump({"Account":A,"Arn":f"arn:aws:iam::{A}:user/user-0","UserId":"AIDA"},open(OUT+"/sts/caller-identity.json","w"))
json.dump({"ServerSideEncryptionConfiguration":{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":f"arn:aws:kms:us-east-1:{A}:key/11111111-2222-3333-4444-555555555555"},"BucketKeyEnabled":False}]}},open(OUT+"/s3/data/encryption.json","w"))
json.dump({"KeyMetadata":{"KeyId":"11111111-2222-3333-4444-555555555555","Arn":f"arn:aws:kms:us-east-1:{A}:key/11111111-2222-3333-4444-555555555555","AWSAccountId":A,"KeyManager":"CUSTOMER","KeyState":"Enabled"}},open(OUT+"/kms/k1/describe-key.json","w"))
json.dump({"Policy":json.dumps({"Version":"2012-10-17","Statement":[{"Sid":"root","Effect":"Allow","Principal":{"AWS":f"arn:aws:iam::{A}:root"},"Action":"kms:*","Resource":"*"}]})},open(OUT+"/kms/k1/key-policy.json","w"))
