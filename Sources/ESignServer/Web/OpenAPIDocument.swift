/// The OpenAPI 3.1 description of the service (`GET /openapi.json`): every endpoint, parameter,
/// body and error. Tests hold it to the routes (schemathesis calls every operation it lists and
/// checks each answer against it).
enum OpenAPIDocument {
    static let text = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "esign",
            "version": "1.0.0",
            "description": "Signing, Decree 30/2020 issuance, verification, ledger and coverage. Errors: RFC 9457."
          },
          "servers": [{"url": "/"}],
          "security": [{"bearer": []}],
          "paths": {
            "/v1/sign": {
              "post": {
                "operationId": "sign",
                "summary": "Sign: a PDF gets PAdES inside it, anything else a detached CAdES signature.",
                "parameters": [
                  {"name": "key", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1}},
                  {"name": "reason", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                  {"name": "location", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                  {"name": "level", "in": "query", "schema": {"$ref": "#/components/schemas/Level"}},
                  {"name": "unit", "in": "query", "description": "With number: record the document in the ledger.",
                   "schema": {"type": "string", "minLength": 1}},
                  {"name": "number", "in": "query", "schema": {"type": "string", "minLength": 1}},
                  {"name": "type", "in": "query", "schema": {"type": "string"}},
                  {"name": "digest", "in": "query",
                   "schema": {"type": "string", "enum": ["sha256", "sha384", "sha512"]}},
                  {"name": "packaging", "in": "query",
                   "description": "XAdES: enveloped (default for XML), enveloping, or detached (any body).",
                   "schema": {"type": "string", "enum": ["enveloped", "enveloping", "detached"]}},
                  {"name": "name", "in": "query",
                   "description": "The file name a detached XAdES signature refers to its content by.",
                   "schema": {"type": "string", "minLength": 1, "maxLength": 255}}
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "application/xml": {"schema": {"type": "string", "format": "binary"}},
                    "text/xml": {"schema": {"type": "string", "format": "binary"}},
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                  }
                },
                "responses": {
                  "200": {
                    "description": "The signed PDF, the signed XML (XAdES), or the detached signature.",
                    "headers": {
                      "ESign-Document-SHA256": {"schema": {"type": "string"}},
                      "ESign-Ledger-Sequence": {"schema": {"type": "string"}}
                    },
                    "content": {
                      "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                      "application/xml": {"schema": {"type": "string", "format": "binary"}},
                      "application/pkcs7-signature": {"schema": {"type": "string", "format": "binary"}}
                    }
                  },
                  "400": {"$ref": "#/components/responses/Problem"},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "408": {"$ref": "#/components/responses/Problem"},
                  "409": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"},
                  "422": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/issue": {
              "post": {
                "operationId": "issue",
                "summary": "Issue (Decree 30/2020): number and date written on the page, official, seal, the ledger.",
                "description": "Number at the 'Số:' line, date at the place-and-date line (or number_at, date_at).",
                "parameters": [
                  {"name": "unit", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1}},
                  {"name": "signer", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1}},
                  {"name": "seal", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1}},
                  {"name": "symbol", "in": "query", "schema": {"type": "string", "minLength": 1, "maxLength": 40}},
                  {"name": "type", "in": "query", "schema": {"type": "string"}},
                  {"name": "series", "in": "query", "schema": {"type": "string", "maxLength": 40}},
                  {"name": "subject", "in": "query", "schema": {"type": "string", "maxLength": 2000}},
                  {"name": "recipients", "in": "query", "schema": {"type": "string", "maxLength": 2000}},
                  {"name": "copies", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
                  {"name": "number_at", "in": "query", "schema": {"$ref": "#/components/schemas/PagePosition"}},
                  {"name": "date_at", "in": "query", "schema": {"$ref": "#/components/schemas/PagePosition"}},
                  {"name": "level", "in": "query", "schema": {"$ref": "#/components/schemas/Level"}}
                ],
                "requestBody": {
                  "required": true,
                  "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
                },
                "responses": {
                  "200": {
                    "description": "The issued PDF.",
                    "headers": {
                      "ESign-Document-Number": {"schema": {"type": "string"}},
                      "ESign-Document-SHA256": {"schema": {"type": "string"}},
                      "ESign-Ledger-Sequence": {"schema": {"type": "string"}}
                    },
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
                  },
                  "400": {"$ref": "#/components/responses/Problem"},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "408": {"$ref": "#/components/responses/Problem"},
                  "409": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"},
                  "422": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/verify": {
              "post": {
                "operationId": "verify",
                "summary": "Verify a PDF, an XML document, or a detached signature over a file (esign verify --json).",
                "parameters": [
                  {"name": "name", "in": "query", "description": "The file name the report shows.",
                   "schema": {"type": "string"}}
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "application/xml": {"schema": {"type": "string", "format": "binary"}},
                    "text/xml": {"schema": {"type": "string", "format": "binary"}},
                    "multipart/form-data": {
                      "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                          "file": {"type": "string", "format": "binary"},
                          "signature": {"type": "string", "format": "binary",
                                        "description": "A detached .p7s or .xades.xml."}
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The verification report (schema esign.verify/1).",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/VerificationReport"}}
                    }
                  },
                  "400": {"$ref": "#/components/responses/Problem"},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"},
                  "408": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/ledger/documents": {
              "post": {
                "operationId": "recordDocuments",
                "summary": "Record documents in the ledger (idempotent by identity).",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"type": "array", "minItems": 1, "maxItems": 10000,
                                 "items": {"$ref": "#/components/schemas/LedgerDocument"}}
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "What was appended.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AppendSummary"}}}
                  },
                  "400": {"$ref": "#/components/responses/Problem"},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"},
                  "408": {"$ref": "#/components/responses/Problem"},
                  "409": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"},
                  "422": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/stats": {
              "get": {
                "operationId": "statistics",
                "summary": "Signing coverage of the client's units: per level, unit or period, against targets.",
                "parameters": [
                  {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                  {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                  {"name": "by", "in": "query",
                   "schema": {"type": "string", "enum": ["level", "unit", "month", "quarter", "year"]}},
                  {"name": "province", "in": "query", "schema": {"type": "string"}},
                  {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv", "html"]}}
                ],
                "responses": {
                  "200": {
                    "description": "The coverage report: esign.coverage/1 JSON, CSV rows or an HTML page.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/CoverageReport"}},
                      "text/csv": {"schema": {"type": "string"}},
                      "text/html": {"schema": {"type": "string"}}
                    }
                  },
                  "400": {"$ref": "#/components/responses/Problem"},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/signing-sessions": {
              "post": {
                "operationId": "prepareSigningSession",
                "summary": "Two-step signing, first step: the PDF and the signer's chain; answers the digest to sign.",
                "parameters": [
                  {"name": "reason", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                  {"name": "location", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                  {"name": "digest", "in": "query",
                   "schema": {"type": "string", "enum": ["sha256", "sha384", "sha512"]}}
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "multipart/form-data": {
                      "schema": {
                        "type": "object",
                        "required": ["file", "chain"],
                        "properties": {
                          "file": {"type": "string", "format": "binary"},
                          "chain": {"type": "string", "format": "binary", "description": "PEM, signer first."}
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The session and the digest the signer's key signs.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SigningSession"}}}
                  },
                  "400": {"$ref": "#/components/responses/Problem"},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"},
                  "408": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"},
                  "422": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/signing-sessions/{id}/signature": {
              "post": {
                "operationId": "completeSigningSession",
                "summary": "Two-step signing, second step: the signature value; answers the signed PDF.",
                "parameters": [
                  {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                    "application/json": {
                      "schema": {"type": "object", "required": ["signature"],
                                 "properties": {"signature": {"type": "string", "description": "base64"}}}
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The signed PDF.",
                    "headers": {"ESign-Document-SHA256": {"schema": {"type": "string"}}},
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
                  },
                  "400": {"$ref": "#/components/responses/Problem"},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "408": {"$ref": "#/components/responses/Problem"},
                  "409": {"$ref": "#/components/responses/Problem"},
                  "410": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"},
                  "422": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/healthz": {
              "get": {
                "operationId": "health",
                "security": [],
                "summary": "Whether the service and its database answer.",
                "responses": {
                  "200": {
                    "description": "Healthy.",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["status"],
                                "properties": {"status": {"const": "ok"}}}}}
                  },
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "security": [],
                "summary": "Prometheus text: requests, latencies, signatures by key.",
                "responses": {
                  "200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openapi",
                "security": [],
                "summary": "This document.",
                "responses": {
                  "200": {"description": "OpenAPI 3.1.",
                          "content": {"application/json": {"schema": {"type": "object"}}}}
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {"type": "http", "scheme": "bearer",
                         "description": "The token printed by esign serve clients add."}
            },
            "responses": {
              "Problem": {
                "description": "An RFC 9457 problem.",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              }
            },
            "schemas": {
              "Level": {"type": "string", "enum": ["B-B", "B-T", "B-LT", "B-LTA"]},
              "PagePosition": {
                "type": "string", "description": "PAGE,X,Y: page from 1, baseline start in points from the lower left.",
                "pattern": "^[1-9][0-9]{0,3},[0-9]{1,4}(\\.[0-9]{1,2})?,[0-9]{1,4}(\\.[0-9]{1,2})?$"
              },
              "SigningSession": {
                "type": "object",
                "required": ["id", "digest", "digest_algorithm", "signature_algorithm", "expires_at"],
                "properties": {
                  "id": {"type": "string"},
                  "digest": {"type": "string", "description": "base64"},
                  "digest_algorithm": {"type": "string"},
                  "signature_algorithm": {"enum": ["rsa-pkcs1-v1_5", "ecdsa"]},
                  "expires_at": {"type": "string"}
                }
              },
              "Problem": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                  "type": {"type": "string", "format": "uri"},
                  "title": {"type": "string"},
                  "status": {"type": "integer"},
                  "detail": {"type": "string"},
                  "instance": {"type": "string"}
                }
              },
              "LedgerDocument": {
                "type": "object",
                "required": ["unit_code", "number", "issued_on", "signed"],
                "properties": {
                  "document_id": {"type": ["string", "null"], "pattern": "^[0-9a-fA-F]{64}$"},
                  "unit_code": {"type": "string", "minLength": 1, "maxLength": 64},
                  "number": {"type": "string", "minLength": 1, "maxLength": 200},
                  "type": {"type": ["string", "null"]},
                  "title": {"type": ["string", "null"]},
                  "issued_on": {"type": "string", "format": "date"},
                  "classified": {"type": ["boolean", "null"]},
                  "signed": {"type": "boolean"},
                  "signature_count": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
                  "timestamped": {"type": ["boolean", "null"]},
                  "direction": {"type": ["string", "null"], "enum": ["issued", "received", null]},
                  "verdict": {"type": ["string", "null"]}
                }
              },
              "AppendSummary": {
                "type": "object",
                "required": ["read", "appended", "unchanged", "head_sequence", "head"],
                "properties": {
                  "read": {"type": "integer"},
                  "appended": {"type": "integer"},
                  "unchanged": {"type": "integer"},
                  "head_sequence": {"type": "integer"},
                  "head": {"type": "string"}
                }
              },
              "VerificationReport": {
                "type": "object",
                "required": ["schema", "file", "indication", "signatures", "summary", "validation_time"],
                "properties": {
                  "schema": {"const": "esign.verify/1"},
                  "file": {"type": "string"},
                  "file_sha256": {"type": ["string", "null"]},
                  "validation_time": {"type": "string"},
                  "indication": {"enum": ["TOTAL-PASSED", "TOTAL-FAILED", "INDETERMINATE"]},
                  "sub_indication": {"type": ["string", "null"]},
                  "summary": {"type": "string"},
                  "error": {"type": ["string", "null"]},
                  "archive_protected_until": {"type": ["string", "null"]},
                  "signatures": {
                    "type": "array",
                    "items": {"type": "object", "required": ["kind", "field_name", "indication", "checks"]}
                  }
                }
              },
              "CoverageReport": {
                "type": "object",
                "required": ["by", "levels", "overall"],
                "properties": {
                  "by": {"type": "string"},
                  "levels": {"type": "array", "items": {"type": "object"}},
                  "overall": {"type": "object"}
                }
              }
            }
          }
        }
        """#
}
