package postgres

import (
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/connectd/connectd/connectors"
)

// bindValue turns a Connect value of schema s into what pgx encodes into the column type
// sqlType gives s: integers as int64, floats as float64 (exact for float32), Decimal as a
// numeric with the schema's scale, Date, Time and Timestamp in UTC.
func bindValue(s *connectors.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch s.Name {
	case connectors.DecimalName:
		r, ok := v.(*big.Rat)
		if !ok {
			return nil, fmt.Errorf("a Decimal value must be a *big.Rat, not %T", v)
		}
		scale, err := strconv.Atoi(s.Parameters[connectors.DecimalScale])
		if err != nil {
			return nil, fmt.Errorf("Decimal schema without a valid scale parameter: %q", s.Parameters[connectors.DecimalScale])
		}
		unscaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
		if !unscaled.IsInt() {
			return nil, fmt.Errorf("Decimal value %s has more digits than its scale %d", r.FloatString(scale+5), scale)
		}
		return pgtype.Numeric{Int: new(big.Int).Set(unscaled.Num()), Exp: int32(-scale), Valid: true}, nil
	case connectors.DateName, connectors.TimestampName:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("a %s value must be a time.Time, not %T", s.Name, v)
		}
		return t.UTC(), nil
	case connectors.TimeName:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("a %s value must be a time.Time, not %T", s.Name, v)
		}
		t = t.UTC()
		us := int64(t.Hour()*3600+t.Minute()*60+t.Second())*1_000_000 + int64(t.Nanosecond()/1000)
		return pgtype.Time{Microseconds: us, Valid: true}, nil
	}
	switch x := v.(type) {
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case float64, bool, string, []byte:
		return x, nil
	}
	return nil, fmt.Errorf("%s value of Go type %T cannot be written", s.Type, v)
}

// literal is a column DEFAULT for a schema's default value, or "" for none.
func literal(s *connectors.Schema) string {
	if s.Default == nil || s.Name != "" {
		return "" // logical defaults would need their own literal forms; Confluent writes none for them either
	}
	switch d := s.Default.(type) {
	case bool:
		return strconv.FormatBool(d)
	case int8, int16, int32, int64, int:
		return fmt.Sprint(d)
	case float32:
		return strconv.FormatFloat(float64(d), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(d, 'g', -1, 64)
	case string:
		return quoteLiteral(d)
	}
	return ""
}

// quoteLiteral is a standard-conforming SQL string literal.
func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
