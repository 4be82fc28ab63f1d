/** Wire shapes of the REST resources the client uses (REST API Developer Guide). */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Field values of a record; `attributes` is what the API adds ({type, url}). */
export type SObjectFields = Record<string, unknown>;

export interface SObjectAttributes {
  type: string;
  url?: string;
}

export interface QueryResult<T> {
  totalSize: number;
  done: boolean;
  records: T[];
  /** Present when `done` is false: GET it for the next batch. */
  nextRecordsUrl?: string;
}

export interface CompositeSubrequest {
  method: HttpMethod;
  /** Full resource path, e.g. /services/data/v62.0/sobjects/Case/@{refCase.id} */
  url: string;
  /** Letters, digits and underscores; later subrequests refer to it as @{referenceId.field}. */
  referenceId: string;
  body?: unknown;
  httpHeaders?: Record<string, string>;
}

export interface CompositeSubresponse<B = unknown> {
  body: B;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

/** One error of an sObject Collections result (note `statusCode`, not `errorCode`). */
export interface CollectionError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** SaveResult / UpsertResult of one record in an sObject Collections call. */
export interface CollectionResult {
  id?: string;
  success: boolean;
  /** Upsert only: true when the record was inserted. */
  created?: boolean;
  errors: CollectionError[];
}
