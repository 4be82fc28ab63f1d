/**
 * Pub/Sub API errors as Salesforce sends them (Pub/Sub API guide, "Handle Errors"): a gRPC status,
 * a message ending in "rpcId: <id>", and trailers `error-code` (Pub/Sub API's own code) and
 * `rpc-id`.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ERROR_CODE_TRAILER, RPC_ID_TRAILER } from '@sbsf/salesforce/pubsub';

export interface PubSubServiceError extends grpc.ServiceError {
  rpcId: string;
}

export const newRpcId = (): string => randomUUID();

export function pubSubError(code: grpc.status, message: string, errorCode?: string, rpcId: string = newRpcId()): PubSubServiceError {
  const metadata = new grpc.Metadata();
  if (errorCode) metadata.set(ERROR_CODE_TRAILER, errorCode);
  metadata.set(RPC_ID_TRAILER, rpcId);
  const details = `${message} rpcId: ${rpcId}`;
  const err = new Error(`${code} ${grpc.status[code]}: ${details}`) as PubSubServiceError;
  err.code = code;
  err.details = details;
  err.metadata = metadata;
  err.rpcId = rpcId;
  return err;
}
