"""Reading: a file in, its pages' words out (opening, rendering, preparing, OCR, order)."""
