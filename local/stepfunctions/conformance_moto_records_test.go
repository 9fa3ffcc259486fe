package stepfunctions

// moto 5.2.1's engine is LocalStack's, which parses JSONata states and Assign but evaluates
// them, and binds workflow variables, through a JSONata runtime that moto does not ship: each
// evaluation fails with "'NoneType' object is not callable". Where a case's outcome rests on
// that, moto's outcome is recorded here with the reason; the rest of the new cases run and
// agree.

const motoLacksJSONata = "moto 5.2.1's engine (LocalStack's) evaluates JSONata and binds workflow variables through a " +
	"JSONata runtime moto does not ship ('NoneType' object is not callable); the ASL specification's " +
	"\"JSONata\" and \"Variables\" sections, and the developer guide's \"Transforming data with JSONata\" and " +
	"\"Passing data between states with variables\", give the outcome sfnlocal asserts"

func motoNoJSONata(err string) *motoOutcome {
	return &motoOutcome{why: motoLacksJSONata, status: StatusFailed, err: err}
}

// motoIgnoresHeartbeat: moto lets the handler (slow, 5 s) run past HeartbeatSeconds and succeed.
var motoIgnoresHeartbeat = &motoOutcome{
	why: "moto 5.2.1 ignores a Lambda task's HeartbeatSeconds and lets the handler run past it; a request-response " +
		"invocation sends no heartbeat, so on AWS the task fails with States.HeartbeatTimeout at HeartbeatSeconds " +
		"(developer guide, \"Error handling\": States.HeartbeatTimeout; \"Task\": HeartbeatSeconds)",
	status: StatusSucceeded,
}

// newFeatureMoto records moto's departures for the variable, JSONPath-corner and JSONata
// cases, by case name.
var newFeatureMoto = map[string]*motoOutcome{
	"IntrinsicFormatEscapesQuoteBracesAndBackslash": {
		why: "moto 5.2.1 ends a string literal at the escaped quote \\' and drops the rest of the template; the ASL " +
			"specification (\"Intrinsic Functions\": ' { } \\ are escaped with \\) makes \\' a quote, \\{ \\} braces and \\\\ a backslash",
		status: StatusSucceeded, output: `{"s":"it\\\\"}`,
	},
	"IntrinsicEscapedCharactersAreTextOutsideFormat": {
		why: "moto 5.2.1 keeps the backslashes of \\{ and \\\\ in string literals and splits on them; in the ASL " +
			"specification (\"Intrinsic Functions\") an escaped character is that character",
		status: StatusSucceeded, output: `{"parts":["a","{b","c"],"arr":["\\\\"]}`,
	},
	"FilterExpressionExistenceAndOr": {
		why: "moto 5.2.1's JSONPath parser refuses || in a filter expression; the developer guide's \"Paths\" page " +
			"takes filter expressions as Jayway JsonPath writes them, with && and ||",
		status: StatusFailed, err: ErrRuntime, cause: "JsonPathParserError",
	},
	"FilterExpressionWithStringEqualityAndAnd": {
		why: "moto 5.2.1's JSONPath parser refuses && in a filter expression; the developer guide's \"Paths\" page " +
			"takes filter expressions as Jayway JsonPath writes them, with && and ||",
		status: StatusFailed, err: ErrRuntime, cause: "JsonPathParserError",
	},
	"HeartbeatSecondsOnLambdaArnTaskTimesOutAHandlerThatRunsPastIt": motoIgnoresHeartbeat,
	"HeartbeatTimeoutIsRetriedAndNotMatchedByStatesTimeout":         motoIgnoresHeartbeat,
	"HeartbeatSecondsPathOnLambdaInvokeIsCaughtAsHeartbeatTimeout":  motoIgnoresHeartbeat,
	"JSONataTaskHeartbeatSecondsExpression":                         motoIgnoresHeartbeat,
	"VariablesOneAssignOverItsSizeLimitFailsWithRuntime": {
		why: "moto 5.2.1 does not limit the size of variables; the developer guide's \"Passing data between states " +
			"with variables\" limits what one Assign writes to 256 KiB",
		status: StatusSucceeded,
	},
	"VariablesInChoiceVariable": {
		why: "moto 5.2.1 does not resolve a variable in a Choice rule's Variable and takes the Default; the ASL " +
			"specification's \"Variables\" lets a JSONPath path start at $name",
		status: StatusSucceeded, output: `"small"`,
	},
}

// motoNoJSONataErrors is moto's error for each case that its missing JSONata runtime fails.
var motoNoJSONataErrors = map[string]string{
	"JSONataTaskArgumentsAndOutputOfTheResult":                           "Exception",
	"JSONataVariableOverItsSizeLimitFailsWithRuntime":                    ErrRuntime,
	"JSONataVariablesOfAnExecutionOverTenMiBFailWithRuntime":             ErrRuntime,
	"JSONataLongLivedTransactionCompensatesAFailedStep":                  "Exception",
	"JSONataTaskTimeoutSecondsExpression":                                "Exception",
	"JSONataQueryEvaluationErrorIsCaught":                                "Exception",
	"JSONataCatchOutputAndAssignSeeTheErrorOutput":                       "Exception",
	"JSONataTaskAssignSeesTheResult":                                     "Exception",
	"JSONataStateInAJSONPathMachine":                                     ErrRuntime,
	"JSONataLocalBindingsAndHigherOrderFunctions":                        ErrRuntime,
	"JSONataRandomWithSeedRepeatsAndUUIDIsVersion4":                      ErrRuntime,
	"JSONataStepFunctionsFunctions":                                      ErrRuntime,
	"JSONataContextObject":                                               ErrRuntime,
	"JSONataFunctionResultIsNoJSONValue":                                 ErrRuntime,
	"JSONataExpressionThatThrowsFailsWithQueryEvaluationError":           ErrRuntime,
	"JSONataUndefinedOutputFailsWithQueryEvaluationError":                ErrRuntime,
	"JSONataQueryEvaluationErrorIsRetried":                               ErrRuntime,
	"JSONataCatchWithoutOutputOutputsTheErrorOutput":                     ErrRuntime,
	"JSONataParallelArgumentsAndOutput":                                  ErrRuntime,
	"JSONataMapIterationsReadOuterVariables":                             ErrRuntime,
	"JSONataMapItemsThatAreNoArrayFailWithQueryEvaluationError":          ErrRuntime,
	"JSONataMapLiteralItemsAndMaxConcurrencyExpression":                  ErrRuntime,
	"JSONataMapItemsAndItemSelector":                                     ErrRuntime,
	"JSONataMapIterationsEvaluateConcurrently":                           ErrRuntime,
	"JSONataSucceedOutput":                                               ErrRuntime,
	"JSONataFailErrorAndCauseExpressions":                                ErrRuntime,
	"JSONataWaitSecondsThatIsNoIntegerFailsWithQueryEvaluationError":     ErrRuntime,
	"JSONataWaitSecondsExpression":                                       ErrRuntime,
	"JSONataWaitTimestampExpression":                                     ErrRuntime,
	"JSONataChoiceConditionThatIsNoBooleanFailsWithQueryEvaluationError": ErrRuntime,
	"JSONataChoiceRuleAssignAndOutput":                                   ErrRuntime,
	"JSONataChoiceConditionTrueTakesTheRule":                             ErrRuntime,
	"JSONataChoiceConditionFalseTakesTheDefault":                         ErrRuntime,
	"JSONataAssignAndOutputOfOneStateSeeTheVariablesFromBeforeIt":        ErrRuntime,
	"JSONataLambdaInvokeArguments":                                       ErrRuntime,
	"JSONataOutputTemplateEvaluatesExpressionsAtAnyDepth":                ErrRuntime,
	"JSONataPassOutputExpression":                                        ErrRuntime,
	"VariablesReadByAJSONataStateOfAJSONPathMachine":                     ErrRuntime,
	"VariablesParallelAssignSeesTheBranchResults":                        ErrRuntime,
	"VariablesParallelBranchesReadOuterAndAssignTheirOwn":                ErrRuntime,
	"VariablesOfEachMapIterationAreItsOwn":                               ErrRuntime,
	"VariablesOfAnIterationAreGoneAfterTheMap":                           ErrRuntime,
	"VariablesMapIterationsReadOuterVariables":                           ErrRuntime,
	"VariablesItemsPathAndOutputPathFromVariables":                       ErrRuntime,
	"VariablesCatcherAssignSeesTheErrorOutput":                           ErrRuntime,
	"VariablesUndefinedReferenceFailsWithRuntime":                        ErrRuntime,
	"VariablesChoiceStateAssignWhenTheDefaultIsTaken":                    ErrRuntime,
	"VariablesWaitAssignAndSecondsPathFromVariable":                      ErrRuntime,
	"VariablesChoiceRuleAssignWhenItMatches":                             ErrRuntime,
	"VariablesInIntrinsicFunctionArguments":                              ErrRuntime,
	"VariablesAssignWithIntrinsicFunction":                               ErrRuntime,
	"VariablesAssignOfPassSeesItsResult":                                 ErrRuntime,
	"VariablesAssignOfTaskSeesTheResultBeforeResultSelector":             ErrRuntime,
	"VariablesOfOneAssignSeeTheValuesFromBeforeTheState":                 ErrRuntime,
	"VariablesAssignedByPassAreReadByLaterStates":                        ErrRuntime,
}

// withMotoRecords gives each case its recorded moto outcome.
func withMotoRecords(lists ...[]confCase) []confCase {
	var out []confCase
	for _, l := range lists {
		for _, c := range l {
			if d, ok := newFeatureMoto[c.name]; ok {
				c.motoDiffers = d
			} else if e, ok := motoNoJSONataErrors[c.name]; ok {
				c.motoDiffers = motoNoJSONata(e)
			}
			out = append(out, c)
		}
	}
	return out
}
