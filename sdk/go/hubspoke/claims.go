package hubspoke

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ClaimFor is how long a claim on a work message lasts unless renewed: shorter
// than the ~17 s for which Dapr redelivers a message answered RETRY
// (components/common/resiliency-components.yaml), so a copy waiting on a dead
// holder's claim takes the work over before it is dead-lettered (chassis/claims.py).
const ClaimFor = 10 * time.Second

const claimKept = 24 * time.Hour // the key outlives any redelivery; its `until` decides

type claim struct {
	Until time.Time `json:"until"`
}

// Claims are claims on message ids in a state store (keys working-<message id>):
// one delivery at a time works on a message, however many copies Dapr delivers.
type Claims struct {
	Dapr  DaprPort
	Store string
}

// Hold claims messageID and renews the claim until release is called. held is
// false when another live delivery holds it; err is the store's failure (ErrDapr).
func (c Claims) Hold(ctx context.Context, messageID string) (held bool, release func(), err error) {
	key := "working-" + messageID
	item, err := c.Dapr.GetState(ctx, c.Store, key)
	if err != nil {
		return false, nil, err
	}
	etag := ""
	if item != nil {
		var current claim
		if json.Unmarshal(item.Value, &current) == nil && current.Until.After(time.Now()) {
			return false, nil, nil
		}
		etag = item.ETag // its holder died mid-work: take it over, unless another copy just did
	}
	err = c.Dapr.SaveState(ctx, c.Store, key, claim{time.Now().Add(ClaimFor)}, etag, true, claimKept)
	if errors.Is(err, ErrEtagMismatch) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	renewing, stop := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		for {
			select {
			case <-renewing.Done():
				return
			case <-time.After(ClaimFor / 3):
				// A failed renewal lets a copy take over; the work runs on meanwhile.
				_ = c.Dapr.SaveState(renewing, c.Store, key, claim{time.Now().Add(ClaimFor)}, "", false, claimKept)
			}
		}
	}()
	return true, stop, nil
}
