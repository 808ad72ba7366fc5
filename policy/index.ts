/** The policy pack: `pulumi preview --policy-pack policy` (or publish it to the organisation). */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES, STACK_POLICIES } from "./policies";

new PolicyPack("batch-ocr-hardening", { policies: [...POLICIES, ...STACK_POLICIES] });
