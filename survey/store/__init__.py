"""Everything that reads or writes the database (and the instance folder's interface texts):
the engine, the models, the migrations, and one module per noun. Operations only flush; the
request, CLI command or background job that calls them commits once."""
