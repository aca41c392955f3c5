package main

import (
	"fmt"
	"time"
)

func main() {
	t := time.Date(2024, time.March, 15, 14, 30, 45, 0, time.UTC)
	fmt.Println(t)
	fmt.Println(t.Format(time.RFC3339), t.Format("2006-01-02"), t.Format("Jan 2, 2006 at 3:04pm"))
	fmt.Println(t.Year(), t.Month(), t.Day(), t.Weekday(), t.YearDay())
	u := t.Add(36 * time.Hour)
	fmt.Println(u.Format(time.Kitchen), u.Sub(t), u.After(t))
	p, err := time.Parse("2006-01-02 15:04", "2023-12-31 23:59")
	fmt.Println(p, err)
	fmt.Println(t.AddDate(0, 1, 0).Format("Jan 2"), t.Truncate(time.Hour).Format(time.TimeOnly))
	fmt.Println(t.Unix())
}
