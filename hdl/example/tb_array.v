// Plain-Verilog example: drive the generated SPARQ array with two small tiles and check the results.
//
// No Python at simulation time. `make example` generates the array with
//   sparq-rtl verilog array --rows 2 --cols 2 --max-k 8 --name sparq_array_example -o ...
// (datapath sparq, 5 window options, nearest-even rounding) and runs this file on Icarus Verilog.
// It prints PASS or FAIL and exits non-zero on failure ($fatal).
//
// Port widths of that configuration (see the .json sidecar next to the generated .v):
//   a__payload 33 bits: row r element e at [(2*r+e)*8 +: 8], last = bit 32
//   b__payload 33 bits: column c element e at [(2*c+e)*8 +: 8] (signed), last = bit 32
//   c__payload 39 bits: C[r][c] at [c*19 +: 19] (signed, acc_width 19 = the smallest width that
//                       holds -max_k*128*255 = -261120), last = bit 38, one row per transfer
//
// ---- Expected values, by hand from the SPARQ spec (4-bit windows, shifts {0..4}, ROUND) ----
//
// Tile 0, K = 4 (two transfers):
//   A row 0 = [100, 0, 3, 200]      A row 1 = [255, 255, 0, 0]
//   B col 0 = [1, 2, 3, 4]          B col 1 = [-128, 127, -1, 10]
//   Row 0, pair (100, 0): a1 == 0, so 100 is a lone activation: exact, h = (100, 0).
//   Row 0, pair (3, 200): both non-zero, each gets a 4-bit window:
//     3 < 16: window at 0, exact 3.
//     200 = 1100_1000b: msb 7, window at shift 4, m = 1100b = 12; dropped bits 1000b: guard 1,
//     sticky 0, m even -> tie to even keeps 12. Value 12 << 4 = 192. h = (3, 192).
//   Row 1, pair (255, 255): both non-zero. 255: window at 4, m = 15, guard 1 and sticky 1 round
//     up to 16, which saturates to 15: value 240. h = (240, 240).
//   Row 1, pair (0, 0): both zero, h = (0, 0).
//   C[0][0] = 100*1 + 0*2 + 3*3 + 192*4          =    877
//   C[0][1] = 100*-128 + 0*127 + 3*-1 + 192*10   = -10883
//   C[1][0] = 240*1 + 240*2                      =    720
//   C[1][1] = 240*-128 + 240*127                 =   -240
//
// Tile 1, K = 3 (odd: the caller pads the last pair with activation 0 and weight 0):
//   A row 0 = [7, 9, 130] (+0)      A row 1 = [0, 17, 0] (+0)
//   B col 0 = [2, -3, 5] (+0)       B col 1 = [1, 1, -1] (+0)
//   Row 0, pair (7, 9): both below 16, exact. Pair (130, 0): lone, exact 130.
//   Row 1, pair (0, 17): lone 17, exact. Pair (0, 0): zero.
//   C[0][0] = 7*2 + 9*-3 + 130*5 =  637      C[0][1] = 7*1 + 9*1 + 130*-1 = -114
//   C[1][0] = 17*-3              =  -51      C[1][1] = 17*1                =   17
//
// (Plain int8 arithmetic would give C[0][0] = 909 for tile 0: the difference is the window.)

`timescale 1ns / 1ps

module tb_array;
    localparam ACC = 19;

    reg         clk = 1'b0;
    reg         rst = 1'b1;
    reg  [32:0] a_payload = 33'd0;
    reg         a_valid = 1'b0;
    wire        a_ready;
    reg  [32:0] b_payload = 33'd0;
    reg         b_valid = 1'b0;
    wire        b_ready;
    wire [38:0] c_payload;
    wire        c_valid;
    reg         c_ready = 1'b0;
    wire        err;

    sparq_array_example dut (
        .clk(clk), .rst(rst),
        .a__payload(a_payload), .a__valid(a_valid), .a__ready(a_ready),
        .b__payload(b_payload), .b__valid(b_valid), .b__ready(b_ready),
        .c__payload(c_payload), .c__valid(c_valid), .c__ready(c_ready),
        .err(err)
    );

    always #5 clk = ~clk;

    // One transfer on a and b together: {last, row1 (e1, e0), row0 (e1, e0)}.
    task send;
        input        last;
        input  [7:0] a00, a01, a10, a11;          // A[row][element]
        input  [7:0] b00, b01, b10, b11;          // B[col][element], two's complement
        begin
            a_payload = {last, a11, a10, a01, a00};
            b_payload = {last, b11, b10, b01, b00};
            a_valid = 1'b1;
            b_valid = 1'b1;
            // Look at ready mid-cycle (the falling edge), when everything has settled; the
            // transfer happens at the next rising edge.
            @(negedge clk);
            while (!(a_ready && b_ready)) @(negedge clk);
            @(posedge clk);
            #1;
            a_valid = 1'b0;
            b_valid = 1'b0;
        end
    endtask

    // Expected rows in output order: tile 0 row 0, row 1, tile 1 row 0, row 1.
    reg signed [ACC-1:0] expect0 [0:3];
    reg signed [ACC-1:0] expect1 [0:3];
    reg                  expect_last [0:3];
    integer received = 0;
    integer errors = 0;
    integer cycle = 0;

    initial begin
        expect0[0] =    877; expect1[0] = -10883; expect_last[0] = 1'b0;
        expect0[1] =    720; expect1[1] =   -240; expect_last[1] = 1'b1;
        expect0[2] =    637; expect1[2] =   -114; expect_last[2] = 1'b0;
        expect0[3] =    -51; expect1[3] =     17; expect_last[3] = 1'b1;
    end

    // The consumer: ready two cycles out of three, to show backpressure on c.
    always @(posedge clk) begin
        cycle <= cycle + 1;
        if (c_valid && c_ready) begin
            if ($signed(c_payload[ACC-1:0]) !== expect0[received]
                    || $signed(c_payload[2*ACC-1:ACC]) !== expect1[received]
                    || c_payload[2*ACC] !== expect_last[received]) begin
                $display("FAIL: row %0d: got C = (%0d, %0d) last %b, expected (%0d, %0d) last %b",
                         received, $signed(c_payload[ACC-1:0]), $signed(c_payload[2*ACC-1:ACC]),
                         c_payload[2*ACC], expect0[received], expect1[received],
                         expect_last[received]);
                errors = errors + 1;
            end else begin
                $display("row %0d: C = (%0d, %0d) last %b  ok", received,
                         $signed(c_payload[ACC-1:0]), $signed(c_payload[2*ACC-1:ACC]),
                         c_payload[2*ACC]);
            end
            received = received + 1;
        end
    end
    always @(negedge clk) c_ready <= (cycle % 3) != 2;

    initial begin
        repeat (3) @(posedge clk);
        #1 rst = 1'b0;

        // Tile 0: transfer i carries (A[r][2i], A[r][2i+1]) and (B[c][2i], B[c][2i+1]).
        //    last  A00  A01  A10  A11     B00  B01   B10            B11
        send(1'b0, 100,   0, 255, 255,     1,   2, 8'd128 /*-128*/, 127);
        send(1'b1,   3, 200,   0,   0,     3,   4, 8'd255 /*-1*/,    10);
        // Tile 1, back to back; odd K = 3, the final pair padded with activation 0, weight 0.
        send(1'b0,   7,   9,   0,  17, 2, 8'd253 /*-3*/, 1, 1);
        send(1'b1, 130,   0,   0,   0, 5,   0, 8'd255 /*-1*/, 0);

        repeat (40) @(posedge clk);
        if (received != 4) begin
            $display("FAIL: %0d result rows received, expected 4", received);
            errors = errors + 1;
        end
        if (err !== 1'b0) begin
            $display("FAIL: err is %b, expected 0", err);
            errors = errors + 1;
        end
        if (errors == 0) begin
            $display("PASS: 2x2 SPARQ array, 2 tiles, results match the spec");
            $finish;
        end else begin
            $display("FAIL: %0d error(s)", errors);
            $fatal(1);
        end
    end

    initial begin
        #100000;
        $display("FAIL: timeout");
        $fatal(1);
    end
endmodule
