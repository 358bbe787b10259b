/**
 * The body of a request sent as application/json that does not parse. The JSON parser hands it on instead of
 * failing before routing, so each route answers in its own terms: admin metadata routes with
 * invalid_client_metadata naming the problem, OAuth endpoints with invalid_request (a non-form body).
 */
export class MalformedJsonBody {
  constructor(readonly problem: string) {}
}
