package mockwsus

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"

	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// apiDoc is what GET /openapi.json says of one admin route beyond its
// method, path and summary (adminRoutes): the Go types of its JSON bodies
// give the schemas (openapi3gen reads their json tags), so the document
// cannot drift from what the handlers encode.
type apiDoc struct {
	// Request is a value of the JSON request body's type (nil: no body);
	// OptionalBody says the body may be left out.
	Request      any
	OptionalBody bool
	// Response is a value of the 200 answer's JSON type; nil with
	// ContentType for answers that are not one JSON document.
	Response    any
	ContentType string
	// Errors are the statuses besides 200 the route answers with the JSON
	// error {"error","status"}; 401 is added to every route but the public.
	Errors []int
}

// apiError is the body of every admin error.
type apiError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

type versionRequest struct {
	Version string `json:"version"`
}

type modeRequest struct {
	Mode  string `json:"mode"`
	Group string `json:"group,omitempty"`
}

type approvalRequest struct {
	Update string `json:"update"`
	Group  string `json:"group,omitempty"`
	Action string `json:"action,omitempty"`
}

type declineRequest struct {
	Update string `json:"update"`
}

// adminDocs describes every route of adminRoutes, by "METHOD PATH"; a
// route without one makes the document an error (and its test fail).
var adminDocs = map[string]apiDoc{
	"GET /healthz":                             {ContentType: "text/plain"},
	"GET /version":                             {Response: VersionInfo{}},
	"PUT /version":                             {Request: versionRequest{}, Response: VersionInfo{}, Errors: []int{400}},
	"GET /behaviours":                          {Response: []BehaviourState{}},
	"GET /behaviours/{name}":                   {Response: BehaviourState{}, Errors: []int{404}},
	"PUT /behaviours/{name}":                   {Request: modeRequest{}, Response: []BehaviourState{}, Errors: []int{400, 404}},
	"DELETE /behaviours/{name}":                {Response: []BehaviourState{}, Errors: []int{400, 404}},
	"GET /groups":                              {Response: []Group{}},
	"DELETE /groups/{group}/behaviours/{name}": {Response: []Group{}, Errors: []int{400, 404}},
	"GET /approvals":                           {Response: []catalog.Approval{}},
	"POST /approvals":                          {Request: approvalRequest{}, Response: catalog.Approval{}, Errors: []int{400, 404}},
	"POST /declines":                           {Request: declineRequest{}, Response: DeclineResult{}, Errors: []int{400, 404}},
	"GET /computers":                           {Response: []Computer{}},
	"GET /journal":                             {ContentType: "application/x-ndjson", Errors: []int{400}},
	"GET /events":                              {Response: []Event{}},
	"GET /logs/SoftwareDistribution.log":       {ContentType: "text/plain", Errors: []int{400, 416}},
	"POST /reset":                              {Request: Setup{}, OptionalBody: true, Response: ResetResult{}, Errors: []int{400}},
	"GET /metrics":                             {ContentType: "text/plain"},
	"GET /openapi.json":                        {ContentType: "application/json"},
	"GET /debug/vars":                          {ContentType: "application/json"},
	"GET /debug/memory":                        {Response: MemoryStats{}},
	"GET /debug/pprof/":                        {ContentType: "text/html"},
	"GET /debug/pprof/profile":                 {ContentType: "application/octet-stream"},
	"GET /debug/pprof/trace":                   {ContentType: "application/octet-stream"},
}

// OpenAPI returns the OpenAPI 3 document of the admin API (what GET
// /openapi.json answers).
func OpenAPI() (*openapi3.T, error) { return openAPIDoc() }

var openAPIDoc = sync.OnceValues(buildOpenAPI)

var pathParam = regexp.MustCompile(`\{([a-zA-Z]+)\}`)

func buildOpenAPI() (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:   "mockwsus admin API",
			Version: "1",
			Description: "The admin API of the WSUS mock, on its own listener. With a token (--admin-token), " +
				"requests but GET /healthz must carry it as \"Authorization: Bearer <token>\".",
		},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{}, SecuritySchemes: openapi3.SecuritySchemes{}},
	}
	doc.Components.SecuritySchemes["bearer"] = &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme().WithBearerFormat("")}
	gen := openapi3gen.NewGenerator(openapi3gen.UseAllExportedFields(), openapi3gen.SchemaCustomizer(strictObjects))
	schema := func(v any) (*openapi3.SchemaRef, error) {
		return gen.NewSchemaRefForValue(v, doc.Components.Schemas)
	}
	errSchema, err := schema(apiError{})
	if err != nil {
		return nil, err
	}
	routes := map[string]bool{}
	for _, ep := range AdminEndpoints() {
		routes[ep.Method+" "+ep.Path] = true
	}
	for key := range adminDocs {
		if !routes[key] {
			return nil, fmt.Errorf("mockwsus: openapi: adminDocs describes %s, which is not a route", key)
		}
	}
	for _, ep := range AdminEndpoints() {
		key := ep.Method + " " + ep.Path
		d, ok := adminDocs[key]
		if !ok {
			return nil, fmt.Errorf("mockwsus: openapi: route %s has no description in adminDocs", key)
		}
		o := openapi3.NewOperation()
		o.Summary = ep.Summary
		o.OperationID = strings.ToLower(ep.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_").Replace(ep.Path)
		for _, m := range pathParam.FindAllStringSubmatch(ep.Path, -1) {
			o.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
		}
		if d.Request != nil {
			s, err := schema(d.Request)
			if err != nil {
				return nil, fmt.Errorf("mockwsus: openapi: %s: %w", key, err)
			}
			o.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(!d.OptionalBody).WithJSONSchemaRef(s)}
		}
		ok200 := openapi3.NewResponse().WithDescription("OK")
		switch {
		case d.Response != nil:
			s, err := schema(d.Response)
			if err != nil {
				return nil, fmt.Errorf("mockwsus: openapi: %s: %w", key, err)
			}
			ok200.WithJSONSchemaRef(s)
		case d.ContentType != "":
			ok200.WithContent(openapi3.NewContentWithSchema(openapi3.NewSchema(), []string{d.ContentType}))
		}
		o.AddResponse(http.StatusOK, ok200)
		errs := d.Errors
		if !ep.Public {
			// Every route but the public ones wants the token, when the
			// server has one.
			o.Security = &openapi3.SecurityRequirements{{"bearer": {}}}
			errs = append(errs[:len(errs):len(errs)], http.StatusUnauthorized)
		}
		for _, status := range errs {
			o.AddResponse(status, openapi3.NewResponse().WithDescription(http.StatusText(status)).WithJSONSchemaRef(errSchema))
		}
		doc.AddOperation(ep.Path, ep.Method, o)
	}
	return doc, nil
}

// strictObjects makes the schema of a struct say what its JSON always has:
// every field without omitempty is required and no other property may
// appear, so that an answer of another shape fails validation.
func strictObjects(_ string, t reflect.Type, _ reflect.StructTag, schema *openapi3.Schema) error {
	if t.Kind() != reflect.Struct || t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType) || len(schema.Properties) == 0 {
		return nil
	}
	var fields func(reflect.Type)
	fields = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				fields(f.Type)
				continue
			}
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if !strings.Contains(","+opts+",", ",omitempty,") && !strings.Contains(","+opts+",", ",omitzero,") {
				schema.Required = append(schema.Required, name)
			}
		}
	}
	fields(t)
	no := false
	schema.AdditionalProperties = openapi3.AdditionalProperties{Has: &no}
	return nil
}

var jsonMarshalerType = reflect.TypeFor[json.Marshaler]()

// serveOpenAPIRoute is GET /openapi.json in adminRoutes. The document is
// built from adminRoutes, so the route reaches its handler through a
// variable set in init, which keeps adminRoutes' initialisation free of a
// cycle.
func serveOpenAPIRoute(_ *Server, w http.ResponseWriter, r *http.Request) { openAPIHandler(w, r) }

var openAPIHandler func(http.ResponseWriter, *http.Request)

func init() { openAPIHandler = serveOpenAPI }

// serveOpenAPI answers GET /openapi.json.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	doc, err := OpenAPI()
	if err != nil {
		adminError(w, http.StatusInternalServerError, err)
		return
	}
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		adminError(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.Write(append(body, '\n'))
}
